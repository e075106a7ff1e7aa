package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/webhook"
)

// webhookRoutes: the administrator's webhook subscriptions, each with its
// delivery log and a button to send a delivery again.
func (s *Server) webhookRoutes() {
	wh := s.Webhooks
	api := s.apiGroup("admin", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/webhooks", "Webhook subscriptions, without their secrets (admin)", s.requireOffice("admin", "webhooks"), h(func(c *gin.Context) error {
		list, err := wh.List(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"webhooks": list, "events": webhook.Events})
	}))
	serve(api, ui, "/webhooks", "Subscribe a URL to events {url, events, secret}; the secret is answered once (admin)",
		act[webhook.CreateRequest, webhook.Webhook]{
			Created: true,
			Do: func(c *gin.Context, r *webhook.CreateRequest) (webhook.Webhook, error) {
				if err := s.mayOffice(c, "admin", "webhooks"); err != nil {
					return webhook.Webhook{}, err
				}
				return wh.Create(c.Request.Context(), *r)
			},
			// The form shows the secret once, on the subscription's page.
			Back:    func(c *gin.Context, w webhook.Webhook) string { return "/admin/webhooks/" + w.ID },
			Flash:   "webhooks.created",
			Refused: func(c *gin.Context, status int, err error) error { return s.webhooksPage(c, status, err) },
		})
	api.GET("/webhooks/:id/deliveries", "A subscription's deliveries, newest first (limit): event, status, attempts, last answer (admin)",
		s.requireOffice("admin", "webhooks"), h(func(c *gin.Context) error {
			limit, _ := strconv.Atoi(c.Query("limit"))
			ds, err := wh.Deliveries(c.Request.Context(), c.Param("id"), limit)
			if err != nil {
				return err
			}
			return reply(c, http.StatusOK, gin.H{"deliveries": ds})
		}))
	serve(api, ui, "/webhooks/:id/deliveries/:delivery/redeliver", "Send a delivery again through the queue (admin)",
		act[struct{}, webhook.Delivery]{
			Do: func(c *gin.Context, _ *struct{}) (webhook.Delivery, error) {
				if err := s.mayOffice(c, "admin", "webhooks"); err != nil {
					return webhook.Delivery{}, err
				}
				id, err := strconv.ParseInt(c.Param("delivery"), 10, 64)
				if err != nil {
					return webhook.Delivery{}, qms.Errorf(qms.ErrNotFound, "delivery %s not found", c.Param("delivery"))
				}
				return wh.Redeliver(c.Request.Context(), c.Param("id"), id)
			},
			Back:  func(c *gin.Context, d webhook.Delivery) string { return "/admin/webhooks/" + d.WebhookID },
			Flash: "webhooks.redelivered",
		})
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/admin/webhooks": h(func(c *gin.Context) error { return s.webhooksPage(c, http.StatusOK, nil) }),
		"/admin/webhooks/:id": h(func(c *gin.Context) error {
			if err := s.mayOffice(c, "admin", "webhooks"); err != nil {
				return err
			}
			w, err := wh.Get(c.Request.Context(), c.Param("id"))
			if err != nil {
				return err
			}
			ds, err := wh.Deliveries(c.Request.Context(), w.ID, 200)
			if err != nil {
				return err
			}
			s.render(c, http.StatusOK, "admin/webhook.html", s.page(c, "webhooks.one", gin.H{"Webhook": w, "Deliveries": ds}))
			return nil
		}),
	})
}

// webhooksPage lists the subscriptions with the form to add one; refused
// is the form's refusal, shown above it.
func (s *Server) webhooksPage(c *gin.Context, status int, refused error) error {
	if err := s.mayOffice(c, "admin", "webhooks"); err != nil {
		return err
	}
	list, err := s.Webhooks.List(c.Request.Context())
	if err != nil {
		return err
	}
	p := s.page(c, "webhooks.title", gin.H{"Webhooks": list, "Events": webhook.Events,
		"URL": c.PostForm("url"), "Chosen": c.PostFormArray("events")})
	if refused != nil {
		p.Error = s.errorText(c, refused)
	}
	s.render(c, status, "admin/webhooks.html", p)
	return nil
}
