package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// Audit trail bounds.
const (
	auditPerPage      = 50
	maxAuditActionLen = 100
)

// AuditStore is what the audit trail page needs from persistence.
type AuditStore interface {
	ListAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditEvent, int, error)
	ListSubsidiaries(ctx context.Context, audiences ...models.Audience) ([]models.SubsidiarySummary, error)
}

// AuditHandler serves the audit trail.
type AuditHandler struct {
	st    AuditStore
	pages *pageRenderer
	guard routeGuard
}

// NewAuditHandler returns the audit trail handler.
func NewAuditHandler(st AuditStore, pages *pageRenderer, guard routeGuard) *AuditHandler {
	return &AuditHandler{st: st, pages: pages, guard: guard}
}

// Routes registers /admin/audit. Platform admins read every event;
// subsidiary admins read the events of the subsidiaries where they hold
// subsidiary:audit, enforced in the filter passed to the store; everyone
// else gets 403.
func (h *AuditHandler) Routes(r chi.Router) {
	r.With(h.guard.RequireSignIn).Get("/admin/audit", h.list)
}

// list shows one page of audit events, newest first, filtered.
func (h *AuditHandler) list(w http.ResponseWriter, r *http.Request) {
	v := ViewerFrom(r.Context())
	subs, err := h.st.ListSubsidiaries(r.Context())
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	view := views.AuditView{AllEvents: v.Can(models.ActionViewAudit, models.GlobalDomain)}
	for _, s := range subs {
		if view.AllEvents || v.Can(models.ActionViewAudit, s.Subsidiary.Slug) {
			view.Subsidiaries = append(view.Subsidiaries, views.AdminSubsidiary{Slug: s.Subsidiary.Slug, Name: s.Subsidiary.Name, CanAudit: true})
		}
	}
	if !view.AllEvents && len(view.Subsidiaries) == 0 {
		h.pages.errs.Render(w, r, errNotAnAdmin)
		return
	}
	form, filter, problems := parseAuditQuery(r.URL.Query())
	filter.Subsidiaries, err = auditScope(view, form.Subsidiary)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	events, total, err := h.st.ListAudit(r.Context(), filter)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	view.Filter, view.Errors, view.Events, view.Total = form, problems, events, total
	pages := (total + auditPerPage - 1) / auditPerPage
	view.Pagination = views.NewPagination(filter.Page, pages, form.URL)
	h.pages.render(w, r, http.StatusOK, views.AuditPage(h.pages.meta(r, "Audit trail", "admin"), view))
}

// auditScope returns the subsidiaries whose events the viewer reads: nil
// (every event, platform-wide ones included) for a platform admin without
// a subsidiary filter; the one requested when the viewer may read it; else
// every subsidiary the viewer may read. Asking for a subsidiary the viewer
// may not read is Forbidden (THREATS R2), an unknown one NotFound for
// platform admins.
func auditScope(view views.AuditView, requested string) ([]string, error) {
	var allowed []string
	for _, s := range view.Subsidiaries {
		allowed = append(allowed, s.Slug)
	}
	switch {
	case requested != "" && slices.Contains(allowed, requested):
		return []string{requested}, nil
	case requested != "" && view.AllEvents:
		return nil, models.Errorf(models.NotFound, "There is no company %q.", truncateRunes(requested, 40))
	case requested != "":
		return nil, models.Errorf(models.Forbidden, "You may read the audit trail of the companies you administer only.")
	case view.AllEvents:
		return nil, nil
	}
	return allowed, nil
}

// parseAuditQuery reads the filter of the audit page. Values it cannot use
// are left out of the filter and explained per field; the page still
// shows the events the other filters select.
func parseAuditQuery(vals url.Values) (views.AuditFilterForm, models.AuditFilter, views.FieldErrors) {
	problems := views.FieldErrors{}
	form := views.AuditFilterForm{
		Subsidiary: strings.TrimSpace(vals.Get("subsidiary")),
		Action:     cleanText(vals.Get("action")),
		Actor:      strings.ToLower(cleanText(vals.Get("actor"))),
		Since:      strings.TrimSpace(vals.Get("since")),
		Until:      strings.TrimSpace(vals.Get("until")),
	}
	f := models.AuditFilter{Page: 1, PerPage: auditPerPage}
	if form.Subsidiary != "" && !models.ValidSlug(form.Subsidiary) {
		problems["subsidiary"] = "Choose a company from the list."
		form.Subsidiary = ""
	}
	if utf8.RuneCountInString(form.Action) > maxAuditActionLen {
		problems["action"] = "The action is too long."
		form.Action = ""
	}
	f.Action = form.Action
	if len(form.Actor) > models.MaxEmailLen {
		problems["actor"] = "The email address is too long."
		form.Actor = ""
	}
	f.ActorEmail = form.Actor
	if form.Since != "" {
		if t, err := time.Parse(time.DateOnly, form.Since); err == nil {
			f.Since = &t
		} else {
			problems["since"] = "Enter a date as YYYY-MM-DD."
		}
	}
	if form.Until != "" {
		if t, err := time.Parse(time.DateOnly, form.Until); err == nil {
			end := t.AddDate(0, 0, 1) // the store's Until is exclusive: the whole day
			f.Until = &end
		} else {
			problems["until"] = "Enter a date as YYYY-MM-DD."
		}
	}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		problems["until"] = "The end date is before the start date."
		f.Until = nil
	}
	if n, err := strconv.Atoi(vals.Get("page")); err == nil && n > 1 && n <= maxPage {
		f.Page = n
	}
	if len(problems) == 0 {
		problems = nil
	}
	return form, f, problems
}
