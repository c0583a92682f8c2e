package handlers

import (
	"context"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ApprovalStore is what the approval queue and the subscription list need
// from persistence. Every read and change is scoped to the route's
// subsidiary: a subscription to another subsidiary's API is NotFound
// (THREATS R1), and an approver never decides on their own request (four
// eyes, in the store).
type ApprovalStore interface {
	FindSubsidiary(ctx context.Context, slug string) (models.Subsidiary, error)
	ListSubsidiarySubscriptions(ctx context.Context, subsidiary string, state models.SubscriptionState) ([]models.SubscriptionRow, error)
	DecideSubscription(ctx context.Context, actor models.Actor, approverID int64, subsidiaries []string, subID int64, approve bool, comment string) (models.Subscription, error)
	SuspendSubscription(ctx context.Context, actor models.Actor, approverID int64, subsidiaries []string, subID int64, suspend bool, comment string) (models.Subscription, error)
}

// ApprovalsHandler serves the approval queue and the subscriptions of a
// subsidiary's APIs, for the subsidiary's admins.
type ApprovalsHandler struct {
	st    ApprovalStore
	pages *pageRenderer
	guard routeGuard
}

// NewApprovalsHandler returns the approval pages' handler.
func NewApprovalsHandler(st ApprovalStore, pages *pageRenderer, guard routeGuard) *ApprovalsHandler {
	return &ApprovalsHandler{st: st, pages: pages, guard: guard}
}

// Routes registers the approval pages, for those who may approve
// subscriptions in the subsidiary of the URL.
func (h *ApprovalsHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequireSignIn, h.guard.Require(models.ActionApproveSubs, "subsidiary"))
		r.Get("/admin/subsidiaries/{subsidiary}/approvals", h.queue)
		r.Get("/admin/subsidiaries/{subsidiary}/subscriptions", h.list)
		r.Post("/admin/subsidiaries/{subsidiary}/subscriptions/{subID}/approve", h.decide(true))
		r.Post("/admin/subsidiaries/{subsidiary}/subscriptions/{subID}/reject", h.decide(false))
		r.Post("/admin/subsidiaries/{subsidiary}/subscriptions/{subID}/suspend", h.suspend(true))
		r.Post("/admin/subsidiaries/{subsidiary}/subscriptions/{subID}/resume", h.suspend(false))
	})
}

// approvalNotices are the confirmations of the approval pages, by "done"
// code.
var approvalNotices = map[string]string{
	"approved":  "The subscription was approved: its keys work on the API now. The requester sees your decision.",
	"rejected":  "The subscription was rejected. The requester sees your comment.",
	"suspended": "The subscription was suspended: its keys stop working on this API at once.",
	"resumed":   "The subscription was resumed: its keys work on this API again.",
}

// queue shows the pending subscriptions to the subsidiary's APIs.
func (h *ApprovalsHandler) queue(w http.ResponseWriter, r *http.Request) {
	h.renderQueue(w, r, http.StatusOK, views.RowRefusal{})
}

// list shows the subscriptions to the subsidiary's APIs in the state of
// ?state= (all when empty or unknown).
func (h *ApprovalsHandler) list(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, stateFilter(r.URL.Query().Get("state")), views.RowRefusal{})
}

// errCommentRequired refuses a rejection without a reason.
const errCommentRequired = "Say why you reject the request: the requester sees this comment and can correct their request."

// decide approves or rejects a pending subscription. A rejection needs a
// comment. A refusal of the store other than NotFound (four eyes, a
// subscription decided meanwhile) is shown on the row with the comment as
// typed.
func (h *ApprovalsHandler) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		subID, err := idParam(r, "subID", "subscription")
		if err != nil {
			h.pages.errs.Render(w, r, err)
			return
		}
		comment := cleanComment(r.PostFormValue("comment"))
		if !approve && comment == "" {
			h.renderQueue(w, r, http.StatusUnprocessableEntity, views.RowRefusal{SubscriptionID: subID, CommentError: errCommentRequired})
			return
		}
		slug := chi.URLParam(r, "subsidiary")
		v := ViewerFrom(r.Context())
		_, err = h.st.DecideSubscription(r.Context(), ActorFrom(r), v.User.ID, []string{slug}, subID, approve, comment)
		if err != nil {
			if refusal, status, ok := rowRefusal(subID, comment, err); ok {
				h.renderQueue(w, r, status, refusal)
				return
			}
			h.pages.errs.Render(w, r, err)
			return
		}
		done := "rejected"
		if approve {
			done = "approved"
		}
		http.Redirect(w, r, withDone(views.ApprovalsURL(slug), done), http.StatusSeeOther)
	}
}

// suspend suspends an active subscription or resumes a suspended one, and
// returns to the subscription list with the filter it was posted from.
func (h *ApprovalsHandler) suspend(suspend bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		subID, err := idParam(r, "subID", "subscription")
		if err != nil {
			h.pages.errs.Render(w, r, err)
			return
		}
		comment := cleanComment(r.PostFormValue("comment"))
		filter := stateFilter(r.PostFormValue("filter"))
		slug := chi.URLParam(r, "subsidiary")
		v := ViewerFrom(r.Context())
		_, err = h.st.SuspendSubscription(r.Context(), ActorFrom(r), v.User.ID, []string{slug}, subID, suspend, comment)
		if err != nil {
			if refusal, status, ok := rowRefusal(subID, comment, err); ok {
				h.renderList(w, r, status, filter, refusal)
				return
			}
			h.pages.errs.Render(w, r, err)
			return
		}
		done := "resumed"
		if suspend {
			done = "suspended"
		}
		http.Redirect(w, r, withDone(views.SubscriptionsURL(slug, filter), done), http.StatusSeeOther)
	}
}

// rowRefusal turns a refusal of the store into what the row shows, with
// its status; NotFound and unexpected errors are not row refusals (ok
// false): they get the error page.
func rowRefusal(subID int64, comment string, err error) (views.RowRefusal, int, bool) {
	kind := models.KindOf(err)
	switch kind {
	case models.Forbidden, models.Conflict:
		return views.RowRefusal{SubscriptionID: subID, Message: models.MessageOf(err), Comment: comment}, statusOf[kind], true
	case models.Invalid:
		return views.RowRefusal{SubscriptionID: subID, CommentError: models.MessageOf(err), Comment: comment}, statusOf[kind], true
	}
	return views.RowRefusal{}, 0, false
}

// cleanComment trims a comment; its length is checked by the store.
func cleanComment(s string) string {
	return cleanText(s)
}

// stateFilter returns s when it names a subscription state, else "" (all).
func stateFilter(s string) models.SubscriptionState {
	st := models.SubscriptionState(s)
	if slices.Contains(views.SubscriptionStates, st) {
		return st
	}
	return ""
}

func (h *ApprovalsHandler) renderQueue(w http.ResponseWriter, r *http.Request, status int, refusal views.RowRefusal) {
	slug := chi.URLParam(r, "subsidiary")
	sub, err := h.st.FindSubsidiary(r.Context(), slug)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	rows, err := h.st.ListSubsidiarySubscriptions(r.Context(), slug, models.SubscriptionPending)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v := views.ApprovalsView{
		Subsidiary: sub, Rows: rows, ViewerID: ViewerFrom(r.Context()).User.ID,
		Notice: approvalNotices[r.URL.Query().Get("done")], Refusal: refusal,
	}
	h.pages.render(w, r, status, views.ApprovalsPage(h.pages.meta(r, "Approvals for "+sub.Name, "admin"), v))
}

func (h *ApprovalsHandler) renderList(w http.ResponseWriter, r *http.Request, status int, filter models.SubscriptionState, refusal views.RowRefusal) {
	slug := chi.URLParam(r, "subsidiary")
	sub, err := h.st.FindSubsidiary(r.Context(), slug)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	rows, err := h.st.ListSubsidiarySubscriptions(r.Context(), slug, filter)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v := views.SubscriptionsView{
		Subsidiary: sub, State: filter, Rows: rows,
		Notice: approvalNotices[r.URL.Query().Get("done")], Refusal: refusal,
	}
	h.pages.render(w, r, status, views.SubscriptionsPage(h.pages.meta(r, "Subscriptions to "+sub.Name, "admin"), v))
}
