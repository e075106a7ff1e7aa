package nonconformity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Containment is the correction done at once.
type Containment struct {
	Text string    `json:"text"`
	By   string    `json:"by"` // a name; defaults to the acting user's
	On   time.Time `json:"on"` // defaults to today
}

func (s *Service) requireManage(a qms.Actor, nc *NC) error {
	if !s.authz.Can(a.UserID, nc.Unit, permNC, actManage) {
		return qms.Errorf(qms.ErrForbidden, "only a coordinator or the head of unit %s may do this", nc.Unit)
	}
	return nil
}

func live(nc *NC) error {
	if nc.Status == StatusClosed || nc.Status == StatusCancelled {
		return qms.Errorf(qms.ErrState, "nonconformity %s is %s", nc.Number, qms.Label{Prefix: "nc.status", Code: nc.Status})
	}
	return nil
}

// RecordContainment records the correction / containment of an NC.
func (s *Service) RecordContainment(ctx context.Context, id string, in Containment) (NC, error) {
	today := s.today(ctx) // read before the row lock: the clock is a query of its own
	return s.mutate(ctx, id, func(a qms.Actor, nc *NC) (Change, error) {
		if err := s.requireManage(a, nc); err != nil {
			return Change{}, err
		}
		if err := live(nc); err != nil {
			return Change{}, err
		}
		fe := qms.FieldErrors{}
		text, err := qms.CleanText("text", in.Text, 4000, true, true)
		if err != nil {
			fe.AddErr("text", err)
		}
		if strings.TrimSpace(in.By) == "" {
			in.By = a.Name
		}
		by, err := qms.CleanText("by", in.By, 200, true, false)
		if err != nil {
			fe.AddErr("by", err)
		}
		on := today
		if !in.On.IsZero() {
			if d := dateOf(in.On); d.After(on) {
				fe.Add("on", "cannot be in the future")
			} else if d.Before(nc.DetectedOn) {
				fe.Add("on", "cannot be before the nonconformity was detected")
			} else {
				on = d
			}
		}
		if err := fe.Err(); err != nil {
			return Change{}, err
		}
		nc.Containment, nc.ContainmentBy, nc.ContainmentOn = text, by, &on
		return Change{Events: []trail.Event{trail.NewEvent(ctx, "nc.containment", ObjectNC, nc.ID, nc.Unit,
			map[string]any{"text": text, "by": by, "on": on.Format("2006-01-02")})}}, nil
	})
}

// Cause is the root-cause analysis.
type Cause struct {
	Whys       []string `json:"whys"`
	Categories []string `json:"categories"`
	Summary    string   `json:"summary"`
}

// RecordCause records (or revises) the root cause; an open NC becomes analysed.
func (s *Service) RecordCause(ctx context.Context, id string, in Cause) (NC, error) {
	return s.mutate(ctx, id, func(a qms.Actor, nc *NC) (Change, error) {
		if err := s.requireManage(a, nc); err != nil {
			return Change{}, err
		}
		if err := live(nc); err != nil {
			return Change{}, err
		}
		fe := qms.FieldErrors{}
		summary, err := qms.CleanText("summary", in.Summary, 4000, true, true)
		if err != nil {
			fe.AddErr("summary", err)
		}
		whys := []string{}
		for i, w := range in.Whys {
			w, err := qms.CleanText(fmt.Sprintf("why %d", i+1), w, 500, false, false)
			if err != nil {
				fe.AddErr("whys", err)
			} else if w != "" {
				whys = append(whys, w)
			}
		}
		if len(whys) > maxWhys {
			fe.Add("whys", "at most five whys")
		}
		cats := []string{}
		for _, c := range in.Categories {
			c = strings.TrimSpace(c)
			if c == "" || oneOf(c, cats) {
				continue
			}
			if !oneOf(c, CauseCategories) {
				fe.Add("categories", "one or more of "+strings.Join(CauseCategories, ", "))
				break
			}
			cats = append(cats, c)
		}
		if len(whys) == 0 && len(cats) == 0 {
			fe.Add("whys", "give the five-whys chain, cause categories, or both")
		}
		if err := fe.Err(); err != nil {
			return Change{}, err
		}
		nc.Whys, nc.CauseCategories, nc.CauseSummary = whys, cats, summary
		now := s.o.Now().UTC()
		nc.AnalysedAt = &now
		if nc.Status == StatusOpen {
			nc.Status = StatusAnalysed
		}
		return Change{Events: []trail.Event{trail.NewEvent(ctx, "nc.cause", ObjectNC, nc.ID, nc.Unit,
			map[string]any{"whys": whys, "categories": cats, "summary": summary, "status": nc.Status})}}, nil
	})
}

// Cancel withdraws an NC that should not have been raised (coordinator).
func (s *Service) Cancel(ctx context.Context, id, reason string) (NC, error) {
	return s.mutate(ctx, id, func(a qms.Actor, nc *NC) (Change, error) {
		if !s.authz.Can(a.UserID, nc.Unit, permNC, actCancel) {
			return Change{}, qms.Errorf(qms.ErrForbidden, "only a coordinator may cancel a nonconformity")
		}
		if err := live(nc); err != nil {
			return Change{}, err
		}
		r, err := qms.CleanText("reason", reason, 2000, true, true)
		if err != nil {
			return Change{}, err
		}
		now := s.o.Now().UTC()
		from := nc.Status
		nc.Status, nc.CancelReason, nc.CancelledAt = StatusCancelled, r, &now
		return Change{Events: []trail.Event{trail.NewEvent(ctx, "nc.cancel", ObjectNC, nc.ID, nc.Unit,
			map[string]any{"from": from, "reason": r})}}, nil
	})
}
