package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// ReminderSchedule is the schedule of the reminders of overdue work: the
// offsets in working days after the due date.
type ReminderSchedule interface {
	Schedule(ctx context.Context) ([]int, error)
	SetSchedule(ctx context.Context, offsets []int) ([]int, error)
}

// reminderRoutes: the coordinator (or an administrator) reads and sets the
// reminder schedule, by the API and on the calendar page.
func (s *Server) reminderRoutes() {
	if s.Reminders == nil {
		return
	}
	api := s.apiGroup("admin", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/reminder-schedule", "The reminder schedule of overdue actions and directives: working days after the due date (coordinator, admin)", h(func(c *gin.Context) error {
		if err := s.mayRemind(c); err != nil {
			return err
		}
		offsets, err := s.Reminders.Schedule(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, schedule{Offsets: offsets})
	}))
	api.PUT("/reminder-schedule", "Set the reminder schedule: rising offsets in working days, the first 0 (coordinator, admin)", h(func(c *gin.Context) error {
		if err := s.mayRemind(c); err != nil {
			return err
		}
		var req schedule
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		offsets, err := s.Reminders.SetSchedule(c.Request.Context(), req.Offsets)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, schedule{Offsets: offsets})
	}))
	serve(api, ui, "/reminder-schedule", "", act[reminderForm, []int]{NoAPI: true,
		Do: func(c *gin.Context, r *reminderForm) ([]int, error) {
			if err := s.mayRemind(c); err != nil {
				return nil, err
			}
			offsets, err := parseOffsets(r.Offsets)
			if err != nil {
				return nil, err
			}
			return s.Reminders.SetSchedule(c.Request.Context(), offsets)
		},
		Back:    func(*gin.Context, []int) string { return "/calendar#reminders" },
		Flash:   "reminders.saved",
		Refused: s.procRefused(s.procCalendarPage(s.Process)),
	})
}

// reminderForm is the calendar page's form of the schedule: the offsets
// written "0, 3, 7".
type reminderForm struct {
	Offsets string `json:"offsets"`
}

// parseOffsets reads offsets separated by commas or spaces.
func parseOffsets(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, qms.Errorf(qms.ErrInvalid, "%q is not a number of working days", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// mayRemind lets the coordinator (process manage in every unit) and an
// administrator (the job queue) set the schedule.
func (s *Server) mayRemind(c *gin.Context) error {
	if err := s.mayOffice(c, "process", "manage"); err == nil {
		return nil
	}
	return s.mayOffice(c, "admin", "jobs")
}

// reminderText is the schedule as the calendar page's form shows it.
func (s *Server) reminderText(c *gin.Context) string {
	if s.Reminders == nil {
		return ""
	}
	offsets, err := s.Reminders.Schedule(c.Request.Context())
	if err != nil {
		return ""
	}
	parts := make([]string, len(offsets))
	for i, o := range offsets {
		parts[i] = strconv.Itoa(o)
	}
	return strings.Join(parts, ", ")
}

// schedule is the reminder schedule's request and answer: working days
// after the due date, rising, the first 0.
type schedule struct {
	Offsets []int `json:"offsets"`
}
