package web

import (
	"net/http"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/feed"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The calendar feed (server/feed): a person makes, replaces or revokes
// their feed on the account page or through the API, and their calendar
// application reads it at /ical/{token}.ics without a session.

// feedRoutes registers the feed's API, forms and file.
func (s *Server) feedRoutes() {
	me := s.apiGroup("calendar-feed", false)
	me.GET("/calendar-feed", "My calendar feed: whether it is on, when it was made and last read", s.handleFeedStatus())
	me.POST("/calendar-feed", "Make my calendar feed (replacing the old one); its address is shown once", s.handleFeedCreate())
	me.DELETE("/calendar-feed", "Revoke my calendar feed", s.handleFeedRevoke())
	ui := s.engine.Group("/ui", requireUser)
	ui.POST("/account/calendar-feed", s.handleFeedForm(true))
	ui.POST("/account/calendar-feed/revoke", s.handleFeedForm(false))
	s.engine.GET("/ical/:file", s.handleFeedFile())
}

// feedURL is the address of a feed's token.
func (s *Server) feedURL(c *gin.Context, token string) string {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return base + "/ical/" + token + ".ics"
}

func (s *Server) handleFeedStatus() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		st, err := s.Feed.Status(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, st)
	})
}

func (s *Server) handleFeedCreate() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		tok, st, err := s.Feed.Create(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusCreated, gin.H{"url": s.feedURL(c, tok), "enabled": st.Enabled, "created_at": st.CreatedAt})
	})
}

func (s *Server) handleFeedRevoke() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if err := s.Feed.Revoke(c.Request.Context()); err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"ok": true})
	})
}

// handleFeedForm makes (create) or revokes the feed from the account page,
// and shows the page again: a new address is shown there, once.
func (s *Server) handleFeedForm(create bool) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var url string
		var err error
		if create {
			var tok string
			tok, _, err = s.Feed.Create(c.Request.Context())
			if err == nil {
				url = s.feedURL(c, tok)
			}
		} else {
			err = s.Feed.Revoke(c.Request.Context())
		}
		return s.renderAccount(c, "", url, err)
	})
}

// handleFeedFile serves a feed: the due dates of the token's holder as an
// iCal file, in the holder's language. An unknown or revoked token is a
// plain 404, the same for every wrong token.
func (s *Server) handleFeedFile() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		tok, ok := strings.CutSuffix(c.Param("file"), ".ics")
		if !ok {
			return qms.Errorf(qms.ErrNotFound, "this calendar feed does not exist or was revoked")
		}
		owner, items, err := s.Feed.Open(c.Request.Context(), tok)
		if err != nil {
			return err
		}
		c.Set("lang", owner.Lang)
		_, names, err := s.unitNames(c)
		if err != nil {
			return err
		}
		body := s.feedCalendar(c, owner, items, names)
		c.Header("Cache-Control", "private, max-age=300")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, "text/calendar; charset=utf-8", []byte(body))
		return nil
	})
}

// feedCalendar writes the iCal file of a feed: one all-day event per due
// date (an audit spans its days), its UID stable across reads so a
// calendar updates the event rather than adding another.
func (s *Server) feedCalendar(c *gin.Context, owner feed.Owner, items []feed.Item, names map[string]string) string {
	lang := owner.Lang
	base := strings.TrimRight(s.BaseURL, "/")
	host := "qmstrack"
	if base != "" {
		host = strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	}
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//qmstrack//calendar feed//" + strings.ToUpper(lang))
	cal.SetName(s.TLang(lang, "feed.calendar.name", owner.Login))
	cal.SetXWRCalName(s.TLang(lang, "feed.calendar.name", owner.Login))
	cal.SetRefreshInterval("PT1H")
	stamp := time.Now().UTC()
	for _, it := range items {
		ev := cal.AddEvent(it.Kind + "-" + it.ID + "@" + host)
		ev.SetDtStampTime(stamp)
		ev.SetAllDayStartAt(it.Start.UTC())
		ev.SetAllDayEndAt(it.End.AddDays(1).UTC()) // DTEND of a day is exclusive (RFC 5545 3.6.1)
		title := it.Title
		if lang == "en" && it.TitleEn != "" {
			title = it.TitleEn
		}
		summary := s.TLang(lang, "feed.kind."+it.Kind)
		if it.Ref != "" {
			summary += " " + it.Ref
		}
		ev.SetSummary(summary + ": " + oneLine(title, 200))
		desc := title
		if it.Unit != "" {
			desc = s.TLang(lang, "feed.unit", names[it.Unit]) + "\n" + desc
		}
		ev.SetDescription(desc)
		if base != "" {
			ev.SetURL(base + it.Path)
		}
		ev.SetProperty(ics.ComponentPropertyCategories, s.TLang(lang, "feed.kind."+it.Kind))
	}
	return cal.Serialize()
}

// oneLine is s on one line, cut to at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
