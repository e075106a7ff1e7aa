package postgres

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// DocumentStore implements document.Store.
type DocumentStore struct{ db *sqlx.DB }

// NewDocumentStore returns a DocumentStore on db.
func NewDocumentStore(db *sqlx.DB) *DocumentStore { return &DocumentStore{db: db} }

var _ document.Store = (*DocumentStore)(nil)

// Fold prepares text for accent-insensitive search: lower case, Vietnamese
// diacritics removed (NFD, combining marks dropped, đ -> d), so that
// "quy trinh cap phep" matches "Quy trình cấp phép". It is done here rather
// than with PostgreSQL's unaccent so the same function folds the stored text
// and the query, whatever extensions the server has.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			b.WriteRune('d')
		case unicode.IsControl(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// docTSQuery turns the words of a search into a tsquery in which every word
// must occur. Complete words match as they are; only the word being typed
// (the last one, when the search does not end with a space or a mark) is a
// prefix. A prefix costs as much as all the words it begins ("phuc:*" reads
// the list of "phuc" and of "phuc..." in every document), an exact word only
// its own list, so a rare word keeps a search cheap. Punctuation never
// reaches to_tsquery.
func docTSQuery(q string) string {
	notWord := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	f := Fold(q)
	words := strings.FieldsFunc(f, notWord)
	last, _ := utf8.DecodeLastRuneInString(f)
	typing := len(words) > 0 && !notWord(last)
	if len(words) > 16 {
		words, typing = words[:16], false
	}
	if typing {
		words[len(words)-1] += ":*"
	}
	return strings.Join(words, " & ")
}

// docRank is the relevance of a document to the search $5: ts_rank of the
// query over the code and title (weight A). The search vectors themselves
// are stripped of positions (00011: a vector holds at most 1 MiB), and
// ts_rank over a stripped vector is the same tiny constant for every
// document, so it cannot order them; what ranks is where the words stand.
const docRank = `ts_rank(setweight(to_tsvector('simple', lower(d.code_key) || ' ' ||
	regexp_replace(lower(d.code_key), '[^[:alnum:]]+', ' ', 'g') || ' ' || d.title_key), 'A'), to_tsquery('simple', $5))`

// docNoRow is notFound for a missing row: the capability's own error.
func docNoRow(err, notFound error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound
	}
	return translate(err)
}

// docScopeArg is a unit scope as a text[] parameter: NULL for every unit.
func docScopeArg(s qms.Scope) any {
	if s.All {
		return nil
	}
	return pq.Array(s.Filter())
}

type docRow struct {
	document.Document
	Clauses   pq.StringArray `db:"clauses"`
	DistUnits pq.StringArray `db:"dist_units"`
	DistRoles pq.StringArray `db:"dist_roles"`
}

func (r docRow) doc() document.Document {
	d := r.Document
	d.Clauses, d.DistUnits, d.DistRoles = docNonNil(r.Clauses), docNonNil(r.DistUnits), docNonNil(r.DistRoles)
	return d
}

func docNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const docCols = `d.id, d.code, d.title, d.type, d.unit, d.clauses, d.review_months, d.public, d.dist_units, d.dist_roles,
	d.status, d.pending_status, d.effective_rev, d.effective_issue, d.effective_at, d.next_review_at, d.withdrawn_at,
	d.withdraw_reason, d.created_by, d.created_at, d.updated_at`

// Create inserts a document and its trail entry.
func (s *DocumentStore) Create(ctx context.Context, d document.Document, ev trail.Event) (document.Document, error) {
	const q = `INSERT INTO documents AS d (code, code_key, title, title_key, type, unit, clauses, review_months, public,
			dist_units, dist_roles, created_by)
		VALUES ($1, upper($1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING ` + docCols
	var row docRow
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &row, q, d.Code, d.Title, Fold(d.Title), d.Type, d.Unit, pq.Array(d.Clauses),
			d.ReviewMonths, d.Public, pq.Array(d.DistUnits), pq.Array(d.DistRoles), d.CreatedBy); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT document_refresh_search($1)`, row.ID); err != nil {
			return err
		}
		ev.ObjectID = row.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return row.doc(), err
}

func lockDoc(ctx context.Context, tx *sqlx.Tx, id string) (document.Document, error) {
	const q = `SELECT ` + docCols + ` FROM documents d WHERE d.id = $1 FOR UPDATE`
	if !isUUID(id) {
		return document.Document{}, document.ErrNoDocument
	}
	var row docRow
	if err := tx.GetContext(ctx, &row, q, id); err != nil {
		return document.Document{}, docNoRow(err, document.ErrNoDocument)
	}
	return row.doc(), nil
}

// Get returns one document (without revisions).
func (s *DocumentStore) Get(ctx context.Context, id string) (document.Document, error) {
	const q = `SELECT ` + docCols + ` FROM documents d WHERE d.id = $1`
	if !isUUID(id) {
		return document.Document{}, document.ErrNoDocument
	}
	var row docRow
	if err := s.db.GetContext(ctx, &row, q, id); err != nil {
		return document.Document{}, docNoRow(err, document.ErrNoDocument)
	}
	return row.doc(), nil
}

// GetByCode returns a document by its code, in any letter case.
func (s *DocumentStore) GetByCode(ctx context.Context, code string) (document.Document, error) {
	const q = `SELECT ` + docCols + ` FROM documents d WHERE d.code_key = upper($1)`
	var row docRow
	if err := s.db.GetContext(ctx, &row, q, code); err != nil {
		return document.Document{}, docNoRow(err, document.ErrNoDocument)
	}
	return row.doc(), nil
}

const revCols = `r.id, r.document_id, r.issue, r.status, r.change, r.created_by, u.name AS created_by_name, r.created_at,
	r.submitted_at, r.approved_at, r.approved_by, r.published_at, r.published_by, r.effective_at, r.superseded_at, r.updated_at`

// Revisions returns every revision of a document, newest first.
func (s *DocumentStore) Revisions(ctx context.Context, docID string) ([]document.Revision, error) {
	const q = `SELECT ` + revCols + ` FROM revisions r JOIN users u ON u.id = r.created_by
		WHERE r.document_id = $1 ORDER BY r.issue DESC`
	if !isUUID(docID) {
		return nil, document.ErrNoDocument
	}
	revs := []document.Revision{}
	if err := s.db.SelectContext(ctx, &revs, q, docID); err != nil {
		return nil, translate(err)
	}
	return revs, fillRevisions(ctx, s.db, revs)
}

// Revision returns one revision with files, reviewers and signatures.
func (s *DocumentStore) Revision(ctx context.Context, id string) (document.Revision, error) {
	return getRevision(ctx, s.db, id, false)
}

func getRevision(ctx context.Context, q sqlx.QueryerContext, id string, lock bool) (document.Revision, error) {
	const sel = `SELECT ` + revCols + ` FROM revisions r JOIN users u ON u.id = r.created_by WHERE r.id = $1`
	const selLock = sel + ` FOR UPDATE OF r`
	if !isUUID(id) {
		return document.Revision{}, document.ErrNoRevision
	}
	query := sel
	if lock {
		query = selLock
	}
	var r document.Revision
	if err := sqlx.GetContext(ctx, q, &r, query, id); err != nil {
		return r, docNoRow(err, document.ErrNoRevision)
	}
	revs := []document.Revision{r}
	if err := fillRevisions(ctx, q, revs); err != nil {
		return r, err
	}
	return revs[0], nil
}

const fileCols = `id, revision_id, kind, file_name, object_key, version_id, size, sha256, media_type, uploaded_by,
	uploaded_at, replaced_at, text_state, text_reason, text_tries`

// fillRevisions adds files, reviewers and signatures, one query each.
func fillRevisions(ctx context.Context, q sqlx.QueryerContext, revs []document.Revision) error {
	if len(revs) == 0 {
		return nil
	}
	ids := make([]string, len(revs))
	at := map[string]int{}
	for i := range revs {
		ids[i] = revs[i].ID
		at[revs[i].ID] = i
		revs[i].Files, revs[i].Reviewers, revs[i].Signatures = []document.File{}, []document.Reviewer{}, []qms.Signature{}
	}
	const qFiles = `SELECT ` + fileCols + `
		FROM revision_files WHERE revision_id = ANY($1) ORDER BY kind DESC, uploaded_at, id`
	var files []document.File
	if err := sqlx.SelectContext(ctx, q, &files, qFiles, pq.Array(ids)); err != nil {
		return translate(err)
	}
	for _, f := range files {
		r := &revs[at[f.RevisionID]]
		if f.ReplacedAt == nil {
			r.Files = append(r.Files, f)
		} else {
			r.OldFiles = append(r.OldFiles, f)
		}
	}
	const qRev = `SELECT rr.revision_id, rr.user_id, u.login, u.name, rr.decision, rr.comment, rr.decided_at
		FROM revision_reviewers rr JOIN users u ON u.id = rr.user_id WHERE rr.revision_id = ANY($1) ORDER BY u.login`
	rows, err := q.QueryxContext(ctx, qRev, pq.Array(ids))
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var revID string
		var rv document.Reviewer
		if err := rows.Scan(&revID, &rv.UserID, &rv.Login, &rv.Name, &rv.Decision, &rv.Comment, &rv.DecidedAt); err != nil {
			rows.Close()
			return translate(err)
		}
		revs[at[revID]].Reviewers = append(revs[at[revID]].Reviewers, rv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	const qSig = `SELECT id, user_id, login, name, role, meaning, object_type, object_id, comment, sha256s, signed_at,
			voided_at, void_reason
		FROM signatures WHERE object_type = 'revision' AND object_id = ANY($1) ORDER BY signed_at, id`
	srows, err := q.QueryxContext(ctx, qSig, pq.Array(ids))
	if err != nil {
		return translate(err)
	}
	defer srows.Close()
	for srows.Next() {
		var sg qms.Signature
		var hashes pq.StringArray
		if err := srows.Scan(&sg.ID, &sg.UserID, &sg.Login, &sg.Name, &sg.Role, &sg.Meaning, &sg.ObjectType, &sg.ObjectID,
			&sg.Comment, &hashes, &sg.SignedAt, &sg.VoidedAt, &sg.VoidReason); err != nil {
			return translate(err)
		}
		sg.SHA256s = docNonNil(hashes)
		sg.SignedAt = sg.SignedAt.UTC()
		if i, ok := at[sg.ObjectID]; ok {
			revs[i].Signatures = append(revs[i].Signatures, sg)
		}
	}
	return translate(srows.Err())
}

// docCursor is the keyset position of a register page: the sort key of the
// last row and its id.
type docCursor struct {
	Sort string `json:"s"`
	Key  string `json:"k"`
	ID   string `json:"i"`
}

func docEncodeCursor(c docCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func docDecodeCursor(s, sort string) (docCursor, error) {
	var c docCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Sort != sort || !isUUID(c.ID) || len(c.Key) > 1000 {
		return c, document.ErrBadCursor
	}
	switch sort {
	case "updated":
		if _, err := time.Parse(time.RFC3339Nano, c.Key); err != nil {
			return c, document.ErrBadCursor
		}
	case "rank":
		rank, at, ok := strings.Cut(c.Key, " ")
		if _, err := strconv.ParseFloat(rank, 32); !ok || err != nil {
			return c, document.ErrBadCursor
		}
		if _, err := time.Parse(time.RFC3339Nano, at); err != nil {
			return c, document.ErrBadCursor
		}
	}
	return c, nil
}

// clauseRE is a clause number as people type it (8.5, 8.5.1, 10.2).
var clauseRE = regexp.MustCompile(`^(4|5|6|7|8|9|10)(\.[0-9]{1,2}){0,3}$`)

// clauseQuery is q when it is a clause number (a search for "8.5" finds
// what is tagged 8.5 or under it), else "".
func clauseQuery(q string) string {
	q = strings.TrimSpace(q)
	if clauseRE.MatchString(q) {
		return q
	}
	return ""
}

// The register query: visibility and filters are parameters; only the
// keyset condition and the order differ by sort, so each sort is one
// constant query. $15 are the units the reader audits today: the
// documents that apply to them (document.Document.AppliesTo), once in force.
// $16 is the query when it is a clause number; the clause filter ($9) and
// it take the clause with the clauses under it (qms_clause_family).
const docListWhere = `
	WHERE (($1::text[] IS NULL OR d.unit = ANY($1::text[]))
	    OR (d.status = 'effective' AND ($2::text[] IS NULL OR d.unit = ANY($2::text[])))
	    OR (d.status = 'obsolete' AND ($3::text[] IS NULL OR d.unit = ANY($3::text[])))
	    OR (d.status = 'effective' AND EXISTS (SELECT 1 FROM document_acks a WHERE a.document_id = d.id AND a.user_id = $4::uuid))
	    OR (cardinality($15::text[]) > 0 AND d.status IN ('effective', 'obsolete')
	        AND (d.unit = ANY($15::text[]) OR d.public OR '*' = ANY(d.dist_units) OR d.dist_units && $15::text[])))
	  AND ($5 = '' OR d.search_eff @@ to_tsquery('simple', $5)
	       OR (d.search_all @@ to_tsquery('simple', $5) AND ($1::text[] IS NULL OR d.unit = ANY($1::text[])))
	       OR ($16 <> '' AND d.clauses && qms_clause_family($16)))
	  AND ($6 = '' OR d.unit = $6)
	  AND ($7 = '' OR d.type = $7)
	  AND ($8 = '' OR d.status = $8 OR d.pending_status = $8)
	  AND ($9 = '' OR d.clauses && qms_clause_family($9))
	  AND (NOT $10 OR (d.status = 'effective' AND d.next_review_at <= $11))`

var docListQueries = map[string]string{
	"code": `SELECT ` + docCols + `, d.code_key AS sort_key FROM documents d` + docListWhere + `
	  AND ($12 = '' OR (d.code_key, d.id) > ($12, $13::uuid))
	ORDER BY d.code_key, d.id LIMIT $14`,
	"title": `SELECT ` + docCols + `, d.title_key AS sort_key FROM documents d` + docListWhere + `
	  AND ($12 = '' OR (d.title_key, d.id) > ($12, $13::uuid))
	ORDER BY d.title_key, d.id LIMIT $14`,
	"updated": `SELECT ` + docCols + `, to_char(d.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key
	FROM documents d` + docListWhere + `
	  AND ($12 = '' OR (d.updated_at, d.id) < ($12::timestamptz, $13::uuid))
	ORDER BY d.updated_at DESC, d.id DESC LIMIT $14`,
	// A search sorted by relevance is its own sort: relevance (docRank),
	// then the most recent, then id. The cursor holds the rank as PostgreSQL
	// prints the real (the shortest text that reads back to the same value)
	// and the time, so the next page starts exactly after the last row.
	"rank": `SELECT ` + docCols + `, rk.rank::text || ' ' || to_char(d.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key
	FROM documents d CROSS JOIN LATERAL (SELECT ` + docRank + ` AS rank) rk` + docListWhere + `
	  AND ($12 = '' OR (rk.rank, d.updated_at, d.id) < (split_part($12, ' ', 1)::real, split_part($12, ' ', 2)::timestamptz, $13::uuid))
	ORDER BY rk.rank DESC, d.updated_at DESC, d.id DESC LIMIT $14`,
}

// docListScoped are the register queries of a reader who sees some units
// only (no scope of theirs is every unit, and they audit no unit today):
// what they can see is then in those units ($17, the union of their
// scopes) or acknowledged by them, so the page is the merge of each unit's
// page (documents_unit_code_id walked in order for that unit, LATERAL per
// unit) and the page of the documents they were asked to acknowledge in
// other units (document_acks_user_doc). Each branch keeps the whole
// visibility condition, so the rows are exactly those of the plain query;
// the page costs what the reader can see instead of a walk of the register
// in which one document in a hundred is theirs. The ranked sort keeps the
// plain query: it reads every match anyway.
var docListScoped = map[string]string{}

func init() {
	order := map[string]string{"code": "x.sort_key, x.id", "title": "x.sort_key, x.id", "updated": "x.sort_key DESC, x.id DESC"}
	for sort, o := range order {
		q := docListQueries[sort]
		const at = "\n\t  AND ($12 = ''"
		if !strings.Contains(q, at) {
			panic("document list: no keyset condition in the " + sort + " query")
		}
		unit := strings.Replace(q, at, "\n\t  AND d.unit = u.unit"+at, 1)
		acked := strings.Replace(q, at, "\n\t  AND NOT (d.unit = ANY($17::text[]))"+
			" AND d.id IN (SELECT k.document_id FROM document_acks k WHERE k.user_id = $4::uuid)"+at, 1)
		docListScoped[sort] = `SELECT x.* FROM (
		SELECT p.* FROM unnest($17::text[]) AS u(unit) CROSS JOIN LATERAL (` + unit + `) p
		UNION ALL
		(` + acked + `)) x
	ORDER BY ` + o + ` LIMIT $14`
	}
}

// List returns one page of the register with keyset pagination.
func (s *DocumentStore) List(ctx context.Context, f document.Filter, v document.Visibility, now time.Time) (document.ListPage, error) {
	tsq := docTSQuery(f.Q)
	sort := f.Sort
	// relevance ranks a search and is the code order without one. It is
	// not the default: ranking costs every matching document (a search of
	// common words matches most of the register), the code order stops at
	// the page's last row.
	switch {
	case sort == "relevance" && tsq != "":
		sort = "rank"
	case sort == "" || sort == "relevance":
		sort = "code"
	}
	q, ok := docListQueries[sort]
	if !ok {
		return document.ListPage{}, fmt.Errorf("document list: no sort %q", sort) // the service checks it first
	}
	var c docCursor
	if f.Cursor != "" {
		var err error
		if c, err = docDecodeCursor(f.Cursor, sort); err != nil {
			return document.ListPage{}, err
		}
	}
	cid := c.ID
	if cid == "" {
		cid = "00000000-0000-0000-0000-000000000000"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	var me any
	if isUUID(v.UserID) {
		me = v.UserID
	}
	rows := []struct {
		docRow
		SortKey string `db:"sort_key"`
	}{}
	args := []any{docScopeArg(v.Draft), docScopeArg(v.Read), docScopeArg(v.History), me,
		tsq, f.Unit, f.Type, f.Status, f.Clause, f.ReviewDue, now.AddDate(0, 0, 30), c.Key, cid, limit + 1,
		pq.Array(docNonNil(v.Audited)), clauseQuery(f.Q)}
	if sq, ok := docListScoped[sort]; ok && !v.Read.All && !v.Draft.All && !v.History.All && len(v.Audited) == 0 {
		q = sq
		args = append(args, pq.Array(docUnion(v.Draft.Filter(), v.Read.Filter(), v.History.Filter())))
	}
	err := s.db.SelectContext(ctx, &rows, q, args...)
	if err != nil {
		return document.ListPage{}, translate(err)
	}
	p := document.ListPage{Items: []document.Document{}}
	for i, r := range rows {
		if i == limit {
			last := rows[limit-1]
			p.NextCursor = docEncodeCursor(docCursor{Sort: sort, Key: last.SortKey, ID: last.ID})
			break
		}
		p.Items = append(p.Items, r.doc())
	}
	return p, nil
}

// docUnion is the units of the scopes, each once.
func docUnion(scopes ...[]string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range scopes {
		for _, u := range s {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// insertFiles adds files to a revision; a file replacing another marks the
// replaced one (the service checked under the lock that it is current).
func insertFiles(ctx context.Context, tx *sqlx.Tx, revID string, files []document.Staged) error {
	// The text is read later by the documents.index job: text_state starts pending.
	const qIns = `INSERT INTO revision_files (revision_id, kind, file_name, object_key, version_id, size, sha256, media_type,
			uploaded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
	// The old row steps aside first so the one-main-file index holds; it
	// learns its successor once that has an id.
	const qReplace = `UPDATE revision_files SET replaced_at = now() WHERE id = $1 AND revision_id = $2 AND replaced_at IS NULL`
	const qBy = `UPDATE revision_files SET replaced_by = $2 WHERE id = $1`
	for _, f := range files {
		if f.Replace != "" {
			res, err := tx.ExecContext(ctx, qReplace, f.Replace, revID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("revision %s: file %s is not current", revID, f.Replace)
			}
		}
		var id string
		if err := tx.GetContext(ctx, &id, qIns, revID, f.Kind, norm.NFC.String(f.Name), f.Object.Key, f.Object.VersionID,
			f.Object.Size, f.Object.SHA256, f.Object.MediaType, f.UploadedBy); err != nil {
			return err
		}
		if f.Replace != "" {
			if _, err := tx.ExecContext(ctx, qBy, f.Replace, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// syncDoc keeps the document's pending status and search in step with its revisions.
func syncDoc(ctx context.Context, tx *sqlx.Tx, docID string) error {
	const q = `UPDATE documents d SET updated_at = now(), pending_status = (SELECT r.status FROM revisions r
		WHERE r.document_id = d.id AND r.status IN ('draft', 'in_review', 'approved') LIMIT 1) WHERE d.id = $1`
	if _, err := tx.ExecContext(ctx, q, docID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `SELECT document_refresh_search($1)`, docID)
	return err
}

// lockRev locks the document of a revision, then the revision: always in
// that order, so concurrent acts on one document queue instead of deadlocking.
func lockRev(ctx context.Context, tx *sqlx.Tx, revID string) (document.Locked, error) {
	if !isUUID(revID) {
		return document.Locked{}, document.ErrNoRevision
	}
	var docID string
	if err := tx.GetContext(ctx, &docID, `SELECT document_id FROM revisions WHERE id = $1`, revID); err != nil {
		return document.Locked{}, docNoRow(err, document.ErrNoRevision)
	}
	d, err := lockDoc(ctx, tx, docID)
	if err != nil {
		return document.Locked{}, err
	}
	r, err := getRevision(ctx, tx, revID, true)
	if err != nil {
		return document.Locked{}, err
	}
	return document.Locked{Doc: d, Rev: r}, nil
}

// Mutate locks the target (a revision's document first, then the
// revision), lets fn decide on the locked state and writes its Change with
// the trail event, all in one transaction.
func (s *DocumentStore) Mutate(ctx context.Context, t document.Target, fn func(document.Locked) (document.Change, error)) (document.Locked, error) {
	var out document.Locked
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var l document.Locked
		var err error
		if t.RevisionID != "" {
			l, err = lockRev(ctx, tx, t.RevisionID)
		} else {
			l.Doc, err = lockDoc(ctx, tx, t.DocumentID)
		}
		if err != nil {
			return err
		}
		ch, err := fn(l)
		if err != nil {
			return err
		}
		if err := writeChange(ctx, tx, &l, ch); err != nil {
			return err
		}
		if err := syncDoc(ctx, tx, l.Doc.ID); err != nil {
			return err
		}
		if out.Doc, err = lockDoc(ctx, tx, l.Doc.ID); err != nil {
			return err
		}
		if l.Rev.ID != "" {
			out.Rev, err = getRevision(ctx, tx, l.Rev.ID, false)
		}
		return err
	})
	return out, err
}

// writeChange writes what a Change lists, in the order the rows need:
// a new revision before its files, the trail event before the revision in
// force changes (so "publish" precedes "effective"), notifications last.
func writeChange(ctx context.Context, tx *sqlx.Tx, l *document.Locked, ch document.Change) error {
	d := l.Doc
	if r := ch.Register; r != nil {
		const q = `UPDATE documents d SET title = $2, title_key = $3, type = $4, clauses = $5, review_months = $6, public = $7,
				dist_units = $8, dist_roles = $9, updated_at = now(),
				next_review_at = CASE WHEN $6 = 0 THEN NULL WHEN d.effective_at IS NULL THEN NULL
					ELSE coalesce((SELECT max(reviewed_at) FROM document_reviews r WHERE r.document_id = d.id), d.effective_at)
						+ make_interval(months => $6) END
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, d.ID, r.Title, Fold(r.Title), r.Type, pq.Array(r.Clauses), r.ReviewMonths,
			r.Public, pq.Array(r.DistUnits), pq.Array(r.DistRoles)); err != nil {
			return err
		}
	}
	if nr := ch.NewRevision; nr != nil {
		const q = `INSERT INTO revisions (document_id, issue, change, change_key, created_by)
			VALUES ($1, (SELECT coalesce(max(issue), 0) + 1 FROM revisions WHERE document_id = $1), $2, $3, $4)
			RETURNING id, issue`
		if err := tx.QueryRowxContext(ctx, q, d.ID, nr.Change, Fold(nr.Change), nr.CreatedBy).Scan(&l.Rev.ID, &l.Rev.Issue); err != nil {
			return err
		}
		ch.Event.ObjectID = l.Rev.ID
		if ch.Event.Details == nil {
			ch.Event.Details = map[string]any{}
		}
		ch.Event.Details["issue"] = l.Rev.Issue
	}
	revID := l.Rev.ID
	if err := insertFiles(ctx, tx, revID, ch.Files); err != nil {
		return err
	}
	if ch.VoidReason != "" {
		if _, err := VoidSignatures(ctx, tx, document.ObjectRevision, revID, ch.VoidReason); err != nil {
			return err
		}
	}
	if ch.Reviewers != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM revision_reviewers WHERE revision_id = $1`, revID); err != nil {
			return err
		}
		for _, p := range ch.Reviewers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO revision_reviewers (revision_id, user_id) VALUES ($1, $2)`, revID, p.UserID); err != nil {
				return err
			}
		}
	}
	if dc := ch.Decision; dc != nil {
		const q = `UPDATE revision_reviewers SET decision = $3, comment = $4, decided_at = now()
			WHERE revision_id = $1 AND user_id = $2 AND decision IS NULL`
		res, err := tx.ExecContext(ctx, q, revID, dc.UserID, dc.Decision, dc.Comment)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return document.ErrAlreadyReviewed
		}
	}
	if ch.Signature != nil {
		if _, err := InsertSignature(ctx, tx, *ch.Signature); err != nil {
			return err
		}
	}
	if ch.Status != "" {
		const q = `UPDATE revisions SET status = $2, updated_at = now(),
				submitted_at = CASE WHEN $2 = 'in_review' THEN now() ELSE submitted_at END,
				approved_at = CASE WHEN $2 = 'approved' THEN now() ELSE approved_at END,
				approved_by = CASE WHEN $2 = 'approved' THEN $3::uuid ELSE approved_by END
			WHERE id = $1`
		var by any
		if ch.Signature != nil {
			by = ch.Signature.UserID
		}
		if _, err := tx.ExecContext(ctx, q, revID, ch.Status, by); err != nil {
			return err
		}
	}
	if ch.PublishAt != nil {
		const q = `UPDATE revisions SET published_at = now(), published_by = $2, effective_at = $3, updated_at = now() WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, revID, ch.Signature.UserID, *ch.PublishAt); err != nil {
			return err
		}
	}
	if ch.WithdrawReason != "" {
		const qRev = `UPDATE revisions SET status = 'obsolete', updated_at = now()
			WHERE document_id = $1 AND status IN ('draft', 'in_review', 'approved', 'effective')`
		const qDoc = `UPDATE documents SET status = 'obsolete', withdrawn_at = now(), withdraw_reason = $2, pending_status = NULL,
				updated_at = now()
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, qRev, d.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qDoc, d.ID, ch.WithdrawReason); err != nil {
			return err
		}
	}
	if pr := ch.Reviewed; pr != nil {
		const qIns = `INSERT INTO document_reviews (document_id, reviewed_by, comment, reviewed_at, next_review_at)
			VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz + make_interval(months => $5))`
		const qDoc = `UPDATE documents d SET next_review_at = $2::timestamptz + make_interval(months => d.review_months), updated_at = now()
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, qIns, d.ID, pr.UserID, pr.Comment, pr.At, d.ReviewMonths); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qDoc, d.ID, pr.At); err != nil {
			return err
		}
	}
	if _, err := AppendTrail(ctx, tx, ch.Event); err != nil {
		return err
	}
	if ch.MakeActive {
		if err := makeEffective(ctx, tx, d, l.Rev, *ch.PublishAt); err != nil {
			return err
		}
	}
	for _, n := range ch.Notify {
		if _, err := Notify(ctx, tx, n.UserID, n.Kind, n.Subject, n.Link, n.Dedupe); err != nil {
			return err
		}
	}
	return nil
}

// makeEffective puts a revision in force: the one in force before is
// superseded in the same transaction, the document's next periodic review
// is set, and everyone in the distribution gets an acknowledgement task.
func makeEffective(ctx context.Context, tx *sqlx.Tx, d document.Document, r document.Revision, at time.Time) error {
	const qSup = `UPDATE revisions SET status = 'superseded', superseded_at = $2, updated_at = now()
		WHERE document_id = $1 AND status = 'effective' RETURNING issue`
	var old []int
	if err := tx.SelectContext(ctx, &old, qSup, d.ID, at); err != nil {
		return err
	}
	const qEff = `UPDATE revisions SET status = 'effective', effective_at = $2, updated_at = now() WHERE id = $1`
	if _, err := tx.ExecContext(ctx, qEff, r.ID, at); err != nil {
		return err
	}
	const qDoc = `UPDATE documents SET status = 'effective', effective_rev = $2, effective_issue = $3, effective_at = $4::timestamptz,
			next_review_at = CASE WHEN review_months > 0 THEN $4::timestamptz + make_interval(months => review_months) END,
			updated_at = now()
		WHERE id = $1`
	if _, err := tx.ExecContext(ctx, qDoc, d.ID, r.ID, r.Issue, at); err != nil {
		return err
	}
	// Distribution: the listed units and roles; with none listed, everyone
	// holding a role in the owner unit.
	const qAcks = `INSERT INTO document_acks (revision_id, document_id, user_id)
		SELECT DISTINCT $1::uuid, d.id, u.id
		FROM documents d, role_assignments ra JOIN users u ON u.id = ra.user_id
		WHERE d.id = $2 AND u.status = 'active' AND (
			(cardinality(d.dist_units) = 0 AND cardinality(d.dist_roles) = 0 AND ra.unit = d.unit)
			OR ra.unit = ANY(d.dist_units) OR '*' = ANY(d.dist_units) OR ra.role = ANY(d.dist_roles))
		ON CONFLICT DO NOTHING`
	if _, err := tx.ExecContext(ctx, qAcks, r.ID, d.ID); err != nil {
		return err
	}
	ev := trail.Event{ActorLogin: "system", Action: "revision.effective", ObjectType: document.ObjectRevision, ObjectID: r.ID,
		Unit: d.Unit, Details: map[string]any{"document": d.ID, "code": d.Code, "issue": r.Issue,
			"effective_at": at.UTC().Format(time.RFC3339), "superseded_issues": docNonNilInts(old)}}
	if a, ok := qms.ActorFrom(ctx); ok {
		ev.ActorID, ev.ActorLogin = a.UserID, a.Login
	}
	_, err := AppendTrail(ctx, tx, ev)
	return err
}

func docNonNilInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// ActivateDue makes effective the published revisions whose date has come.
func (s *DocumentStore) ActivateDue(ctx context.Context, now time.Time) (int, error) {
	const qDue = `SELECT id FROM revisions WHERE status = 'approved' AND published_at IS NOT NULL AND effective_at <= $1
		ORDER BY effective_at LIMIT 100`
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, qDue, now); err != nil {
		return 0, translate(err)
	}
	n := 0
	for _, id := range ids {
		err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
			var docID string
			if err := tx.GetContext(ctx, &docID, `SELECT document_id FROM revisions WHERE id = $1`, id); err != nil {
				return err
			}
			// Another instance busy with this document takes it: skip.
			var got []string
			if err := tx.SelectContext(ctx, &got, `SELECT id FROM documents WHERE id = $1 FOR UPDATE SKIP LOCKED`, docID); err != nil || len(got) == 0 {
				return err
			}
			l, err := lockRev(ctx, tx, id)
			if err != nil {
				return err
			}
			if l.Rev.Status != document.StatusApproved || l.Rev.PublishedAt == nil || l.Rev.EffectiveAt == nil ||
				l.Rev.EffectiveAt.After(now) || l.Doc.Status == document.DocObsolete {
				return nil
			}
			if err := makeEffective(ctx, tx, l.Doc, l.Rev, *l.Rev.EffectiveAt); err != nil {
				return err
			}
			n++
			return syncDoc(ctx, tx, l.Doc.ID)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Acknowledge marks the user's acknowledgement of a revision.
func (s *DocumentStore) Acknowledge(ctx context.Context, revID, userID string, ev trail.Event) error {
	const q = `UPDATE document_acks SET acked_at = now() WHERE revision_id = $1 AND user_id = $2 AND acked_at IS NULL`
	const qHad = `SELECT acked_at IS NOT NULL FROM document_acks WHERE revision_id = $1 AND user_id = $2`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, q, revID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var done bool
			if err := tx.GetContext(ctx, &done, qHad, revID, userID); err != nil {
				return docNoRow(err, document.ErrNotInDistribution)
			}
			return document.ErrAlreadyAcknowledged
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// HasAck reports whether the user is in the distribution of an effective
// revision of the document.
func (s *DocumentStore) HasAck(ctx context.Context, docID, userID string) (bool, error) {
	const q = `SELECT EXISTS (SELECT 1 FROM document_acks a JOIN documents d ON d.effective_rev = a.revision_id
		WHERE a.document_id = $1 AND a.user_id = $2)`
	if !isUUID(docID) || !isUUID(userID) {
		return false, nil
	}
	var ok bool
	err := s.db.GetContext(ctx, &ok, q, docID, userID)
	return ok, translate(err)
}

// Acks lists the distribution of a revision with acknowledgement times and
// the units each person belongs to.
func (s *DocumentStore) Acks(ctx context.Context, revID string) ([]document.Ack, error) {
	const q = `SELECT a.revision_id, a.document_id, a.user_id, u.login, u.name, a.created_at, a.acked_at,
			coalesce((SELECT array_agg(DISTINCT ra.unit ORDER BY ra.unit) FROM role_assignments ra WHERE ra.user_id = u.id), '{}') AS units
		FROM document_acks a JOIN users u ON u.id = a.user_id WHERE a.revision_id = $1 ORDER BY u.login`
	rows, err := s.db.QueryxContext(ctx, q, revID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []document.Ack{}
	for rows.Next() {
		var a document.Ack
		var units pq.StringArray
		if err := rows.Scan(&a.RevisionID, &a.DocumentID, &a.UserID, &a.Login, &a.Name, &a.CreatedAt, &a.AckedAt, &units); err != nil {
			return nil, translate(err)
		}
		a.Units = docNonNil(units)
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// PendingAcks lists the effective revisions the user has yet to acknowledge.
func (s *DocumentStore) PendingAcks(ctx context.Context, userID string) ([]document.PendingAck, error) {
	const q = `SELECT a.revision_id, a.document_id, d.code, d.title, r.issue, a.created_at
		FROM document_acks a JOIN revisions r ON r.id = a.revision_id JOIN documents d ON d.id = a.document_id
		WHERE a.user_id = $1 AND a.acked_at IS NULL AND r.status = 'effective' ORDER BY a.created_at, d.code_key`
	out := []document.PendingAck{}
	if !isUUID(userID) {
		return out, nil
	}
	return out, translate(s.db.SelectContext(ctx, &out, q, userID))
}

// PendingReviews lists the revisions in review waiting for the user's decision.
func (s *DocumentStore) PendingReviews(ctx context.Context, userID string) ([]document.PendingReview, error) {
	const q = `SELECT rr.revision_id, r.document_id, d.code, d.title, r.issue, coalesce(r.submitted_at, r.created_at) AS submitted_at
		FROM revision_reviewers rr JOIN revisions r ON r.id = rr.revision_id JOIN documents d ON d.id = r.document_id
		WHERE rr.user_id = $1 AND rr.decision IS NULL AND r.status = 'in_review' ORDER BY r.submitted_at`
	out := []document.PendingReview{}
	if !isUUID(userID) {
		return out, nil
	}
	return out, translate(s.db.SelectContext(ctx, &out, q, userID))
}

// People returns the users with the given logins.
func (s *DocumentStore) People(ctx context.Context, logins []string) ([]document.Person, error) {
	const q = `SELECT id, login, name, status = 'active' AS active FROM users WHERE login = ANY($1) ORDER BY login`
	out := []document.Person{}
	return out, translate(s.db.SelectContext(ctx, &out, q, pq.Array(logins)))
}

// PersonByID returns one user.
func (s *DocumentStore) PersonByID(ctx context.Context, id string) (document.Person, error) {
	const q = `SELECT id, login, name, status = 'active' AS active FROM users WHERE id = $1`
	var p document.Person
	if !isUUID(id) {
		return p, document.ErrNoPerson
	}
	if err := s.db.GetContext(ctx, &p, q, id); err != nil {
		return p, docNoRow(err, document.ErrNoPerson)
	}
	return p, nil
}

// PublicList lists the effective revisions of public documents with their
// main file, by unit and code.
func (s *DocumentStore) PublicList(ctx context.Context) ([]document.PublicEntry, error) {
	const q = `SELECT d.id AS document_id, d.code, d.title, d.type, d.unit, un.name_vi AS unit_name_vi, un.name_en AS unit_name_en,
			r.id AS revision_id, r.issue, r.effective_at, f.id AS file_id, f.file_name, f.size, f.sha256
		FROM documents d
		JOIN units un ON un.code = d.unit
		JOIN revisions r ON r.id = d.effective_rev AND r.status = 'effective'
		LEFT JOIN revision_files f ON f.revision_id = r.id AND f.kind = 'main' AND f.replaced_at IS NULL
		WHERE d.public AND d.status = 'effective'
		ORDER BY un.name_vi, d.code_key`
	out := []document.PublicEntry{}
	return out, translate(s.db.SelectContext(ctx, &out, q))
}

// ClaimText takes the next current file whose text is pending and not
// leased, fewest claims first, then oldest; the claim is counted and the
// file leased in one statement, SKIP LOCKED so instances take different
// files.
func (s *DocumentStore) ClaimText(ctx context.Context, lease time.Duration) (document.File, bool, error) {
	const q = `UPDATE revision_files f SET text_tries = f.text_tries + 1,
			text_claimed_until = now() + make_interval(secs => $1)
		WHERE f.id = (SELECT id FROM revision_files
			WHERE text_state = 'pending' AND replaced_at IS NULL AND (text_claimed_until IS NULL OR text_claimed_until < now())
			ORDER BY text_tries, uploaded_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING ` + fileCols
	var f document.File
	err := s.db.GetContext(ctx, &f, q, lease.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	if err != nil {
		return f, false, translate(err)
	}
	return f, true, nil
}

// RecordText records a claimed file's text outcome and refreshes its
// document's search. The document is locked first, as every act does, so
// the job and an upload to the same document queue instead of deadlocking.
func (s *DocumentStore) RecordText(ctx context.Context, fileID string, x document.Extracted) error {
	const qDoc = `SELECT r.document_id FROM revision_files f JOIN revisions r ON r.id = f.revision_id WHERE f.id = $1`
	const qLock = `SELECT id FROM documents WHERE id = $1 FOR UPDATE`
	const q = `UPDATE revision_files SET text_key = $2, text_state = $3, text_reason = $4, text_at = now(), text_claimed_until = NULL
		WHERE id = $1 AND text_state = 'pending'`
	if !isUUID(fileID) {
		return document.ErrNoFile
	}
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var docID string
		if err := tx.GetContext(ctx, &docID, qDoc, fileID); err != nil {
			return docNoRow(err, document.ErrNoFile)
		}
		if _, err := tx.ExecContext(ctx, qLock, docID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, q, fileID, Fold(x.Text), x.State(), x.Reason)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 && x.Text != "" {
			_, err = tx.ExecContext(ctx, `SELECT document_refresh_search($1)`, docID)
		}
		return err
	})
}

// ReleaseText ends the lease of a claimed file whose text is still pending.
func (s *DocumentStore) ReleaseText(ctx context.Context, fileID string) error {
	const q = `UPDATE revision_files SET text_claimed_until = NULL WHERE id = $1 AND text_state = 'pending'`
	if !isUUID(fileID) {
		return document.ErrNoFile
	}
	_, err := s.db.ExecContext(ctx, q, fileID)
	return translate(err)
}
