package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// The calendar's acts beyond the year's form: one exception added or
// removed, and the recompute of a period.

// calendarDayReq adds one exception.
type calendarDayReq struct {
	Date workday.Date `json:"date"`
	Kind string       `json:"kind"`
	Name string       `json:"name"`
}

// calendarBack returns the calendar page of year with how many open
// dossiers the change moved.
func calendarBack(_ *gin.Context, cy process.CalendarYear) string {
	return fmt.Sprintf("/calendar?year=%d&moved=%d", cy.Year, cy.Moved)
}

func (pa procActs) calendarDayAdd() act[calendarDayReq, process.CalendarYear] {
	return act[calendarDayReq, process.CalendarYear]{
		Do: func(c *gin.Context, r *calendarDayReq) (process.CalendarYear, error) {
			return pa.p.AddCalendarDay(ctxOf(c), workday.Day{Date: r.Date, Kind: r.Kind, Name: r.Name})
		},
		Back: calendarBack, Flash: "proc.calendar.changed", Refused: pa.s.procRefused(pa.s.procCalendarPage(pa.p))}
}

func (pa procActs) calendarDayRemove() act[struct{}, process.CalendarYear] {
	return act[struct{}, process.CalendarYear]{
		Do: func(c *gin.Context, _ *struct{}) (process.CalendarYear, error) {
			d, err := workday.ParseDate(c.Param("date"))
			if err != nil {
				return process.CalendarYear{}, qms.Errorf(qms.ErrInvalid, "the date must be written yyyy-mm-dd")
			}
			return pa.p.RemoveCalendarDay(ctxOf(c), d)
		},
		Back: calendarBack, Flash: "proc.calendar.changed", Refused: pa.s.procRefused(pa.s.procCalendarPage(pa.p))}
}

// recomputeReq is the period of a recompute, both days included.
type recomputeReq struct {
	From workday.Date `json:"from"`
	To   workday.Date `json:"to"`
}

func (pa procActs) calendarRecompute() act[recomputeReq, process.Recomputed] {
	return act[recomputeReq, process.Recomputed]{
		Do: func(c *gin.Context, r *recomputeReq) (process.Recomputed, error) {
			return pa.p.RecomputePeriod(ctxOf(c), r.From, r.To)
		},
		Back: func(c *gin.Context, r process.Recomputed) string {
			year := pa.s.Now().In(pa.s.Location).Year()
			if y, err := strconv.Atoi(strings.SplitN(c.PostForm("from"), "-", 2)[0]); err == nil {
				year = y
			}
			return fmt.Sprintf("/calendar?year=%d&replayed=%d&moved=%d&rejudged=%d", year, r.Replayed, r.Moved, r.Rejudged)
		},
		Flash: "proc.calendar.recomputed", Refused: pa.s.procRefused(pa.s.procCalendarPage(pa.p))}
}

// calendarPageYear is the year the calendar page shows: the query's, or
// on a refused form the year of the form's date.
func (s *Server) calendarPageYear(c *gin.Context) (int, error) {
	v := c.Query("year")
	if v == "" && c.Request.PostForm != nil {
		for _, k := range []string{"year", "date", "from"} {
			if f := c.Request.PostForm.Get(k); f != "" {
				v = strings.SplitN(f, "-", 2)[0]
				break
			}
		}
		if v == "" {
			v = strings.SplitN(c.Param("date"), "-", 2)[0]
		}
	}
	if v == "" {
		return s.Now().In(s.Location).Year(), nil
	}
	y, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, qms.Errorf(qms.ErrInvalid, "year must be a number")
	}
	return y, nil
}

// calendarCount reads a count the page was sent back with (-1: none).
func calendarCount(c *gin.Context, key string) int {
	n, err := strconv.Atoi(c.Query(key))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func (s *Server) procCalendarPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		year, err := s.calendarPageYear(c)
		if err != nil {
			return err
		}
		cy, err := p.CalendarYear(c.Request.Context(), year)
		if err != nil {
			return err
		}
		var lines []string
		for _, d := range cy.Days {
			name := d.Name
			if d.NameID != "" {
				name = d.NameID
			}
			lines = append(lines, strings.TrimSpace(fmt.Sprintf("%s %s %s", d.Date, d.Kind, name)))
		}
		for _, d := range cy.Removed {
			lines = append(lines, fmt.Sprintf("%s %s %s", d.Date, d.Kind, d.NameID))
		}
		return s.procPage(c, "process/calendar.html", "proc.calendar.title", map[string]any{
			"C": cy, "Lines": strings.Join(lines, "\n"), "Prev": year - 1, "Next": year + 1,
			"Open":  fmt.Sprintf("%02d:%02d", cy.Settings.Open/60, cy.Settings.Open%60),
			"Close": fmt.Sprintf("%02d:%02d", cy.Settings.Close/60, cy.Settings.Close%60),
			"Moved": calendarCount(c, "moved"), "Replayed": calendarCount(c, "replayed"), "Rejudged": calendarCount(c, "rejudged"),
			"From": fmt.Sprintf("%d-01-01", year), "To": fmt.Sprintf("%d-12-31", year),
			"Reminders": s.reminderText(c), "RemindersOn": s.Reminders != nil,
		})
	}
}
