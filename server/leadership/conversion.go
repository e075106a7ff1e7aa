package leadership

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// ChecklistItem is one item of the conversion checklist's default list
// (QĐ 101/QĐ-BKHCN 2019's model), from the data file.
type ChecklistItem struct {
	Code    string   `json:"code"`
	Clauses []string `json:"clauses"`
	TitleVI string   `json:"title_vi"`
	TitleEN string   `json:"title_en"`
}

// Title is the item's title in lang.
func (c ChecklistItem) Title(lang string) string {
	return qms.Text{VI: c.TitleVI, EN: c.TitleEN}.In(lang)
}

var checklistCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// ParseChecklist reads the checklist's data file.
func ParseChecklist(data []byte) ([]ChecklistItem, error) {
	var f struct {
		Items []ChecklistItem `json:"items"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("conversion checklist: %w", err)
	}
	seen := map[string]bool{}
	for _, it := range f.Items {
		if !checklistCode.MatchString(it.Code) || seen[it.Code] || it.TitleVI == "" || it.TitleEN == "" {
			return nil, fmt.Errorf("conversion checklist: item %q: a unique code and both titles are required", it.Code)
		}
		seen[it.Code] = true
	}
	if len(f.Items) == 0 {
		return nil, fmt.Errorf("conversion checklist: no items")
	}
	return f.Items, nil
}

// ConversionItem is an item of the checklist with its state.
type ConversionItem struct {
	ChecklistItem
	Done      bool           `json:"done"`
	Note      string         `json:"note"`
	Evidence  []EvidenceLink `json:"evidence"`
	Version   int            `json:"version"` // 0: never saved
	UpdatedBy string         `json:"updated_by,omitempty"`
	UpdatedAt *time.Time     `json:"updated_at,omitempty"`
}

// EvidenceLink is a document or record that shows an item done.
type EvidenceLink struct {
	Kind  string `json:"kind"` // document or record
	ID    string `json:"id"`   // the document's code, or the record's id
	Label string `json:"label,omitempty"`
}

// ConversionIn changes the state of some items.
type ConversionIn struct {
	Items []ConversionItemIn `json:"items"`
}

// ConversionItemIn is the new state of one item; Version is the version it
// was read at (0 for one never saved).
type ConversionItemIn struct {
	Code     string         `json:"code"`
	Done     bool           `json:"done"`
	Note     string         `json:"note"`
	Evidence []EvidenceLink `json:"evidence"`
	Version  int            `json:"version"`
}

// Checklist returns the conversion checklist with each item's state.
func (s *ScopeService) Checklist(ctx context.Context) ([]ConversionItem, error) {
	if err := s.mayRead(ctx); err != nil {
		return nil, err
	}
	state, err := s.store.ConversionState(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ConversionItem, 0, len(s.o.Checklist))
	for _, it := range s.o.Checklist {
		c, ok := state[it.Code]
		if !ok {
			c = ConversionItem{Evidence: []EvidenceLink{}}
		}
		c.ChecklistItem = it
		out = append(out, c)
	}
	return out, nil
}

// SaveChecklist records the state of the items in, all or none: an item
// changed by someone else since it was read refuses the whole change.
// Evidence must name documents (by code) and records (by id) that exist.
func (s *ScopeService) SaveChecklist(ctx context.Context, in ConversionIn) ([]ConversionItem, error) {
	a, err := s.mayManage(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]ChecklistItem{}
	for _, it := range s.o.Checklist {
		known[it.Code] = it
	}
	fe := qms.FieldErrors{}
	if len(in.Items) == 0 {
		fe.Add("items", "change at least one item")
	}
	refs := map[string][]string{}
	seen := map[string]bool{}
	items := make([]ConversionItem, 0, len(in.Items))
	for _, x := range in.Items {
		it, ok := known[x.Code]
		switch {
		case !ok:
			fe.Add("items", "%q is not an item of the checklist", x.Code)
			continue
		case seen[x.Code]:
			fe.Add("items", "item %s is listed twice", x.Code)
			continue
		case x.Version < 0:
			fe.Add("items", "item %s: the version it was read at", x.Code)
			continue
		}
		seen[x.Code] = true
		note, err := qms.CleanText("note", x.Note, 2000, false, true)
		if err != nil {
			fe.AddErr("note", err)
		}
		c := ConversionItem{ChecklistItem: it, Done: x.Done, Note: note, Version: x.Version, Evidence: []EvidenceLink{}, UpdatedBy: a.Login}
		for _, e := range x.Evidence {
			e.ID = strings.TrimSpace(e.ID)
			if (e.Kind != KindDocument && e.Kind != KindRecord) || e.ID == "" || len(e.ID) > 100 {
				fe.Add("evidence", "evidence is a document code or a record id")
				continue
			}
			refs[e.Kind] = append(refs[e.Kind], e.ID)
			c.Evidence = append(c.Evidence, EvidenceLink{Kind: e.Kind, ID: e.ID})
		}
		if len(c.Evidence) > 20 {
			fe.Add("evidence", "at most %d evidence links per item", 20)
		}
		items = append(items, c)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	labels := map[string]map[string]qms.Text{}
	for kind, ids := range refs {
		names, err := s.store.Names(ctx, kind, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, ok := names[id]; !ok {
				if kind == KindDocument {
					fe.Add("evidence", "no document %s", id)
				} else {
					fe.Add("evidence", "no record %s", id)
				}
				return nil, fe.Err()
			}
		}
		labels[kind] = names
	}
	for i := range items {
		for j, e := range items[i].Evidence {
			items[i].Evidence[j].Label = labels[e.Kind][e.ID].VI
		}
	}
	codes := make([]string, 0, len(items))
	for _, c := range items {
		codes = append(codes, c.Code)
	}
	ev := trail.NewEvent(ctx, "conversion.update", "conversion", "2015", "", map[string]any{"items": codes})
	return s.store.SaveConversion(ctx, items, ev)
}
