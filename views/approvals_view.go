package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/portico/portico/models"
)

// ApprovalsURL is the approval queue of a subsidiary.
func ApprovalsURL(subsidiary string) string {
	return "/admin/subsidiaries/" + url.PathEscape(subsidiary) + "/approvals"
}

// SubscriptionsURL is the subscriptions of a subsidiary's APIs, in one
// state ("" for all).
func SubscriptionsURL(subsidiary string, state models.SubscriptionState) string {
	u := "/admin/subsidiaries/" + url.PathEscape(subsidiary) + "/subscriptions"
	if state != "" {
		u += "?state=" + url.QueryEscape(string(state))
	}
	return u
}

// SubscriptionActionURL is where an approver's form posts: action is
// "approve", "reject", "suspend" or "resume".
func SubscriptionActionURL(subsidiary string, subID int64, action string) string {
	return "/admin/subsidiaries/" + url.PathEscape(subsidiary) + "/subscriptions/" + strconv.FormatInt(subID, 10) + "/" + action
}

// ApprovalsView is the approval queue of one subsidiary.
type ApprovalsView struct {
	Subsidiary models.Subsidiary
	Rows       []models.SubscriptionRow // pending, oldest request first
	ViewerID   int64                    // rows the viewer requested cannot be decided by them
	Notice     string                   // a confirmation after a redirect, or ""
	Refusal    RowRefusal
}

// RowRefusal is a decision that was not taken, shown on its row: why, and
// what the approver had typed.
type RowRefusal struct {
	SubscriptionID int64  // 0: none
	Message        string // about the decision as a whole (four eyes, changed meanwhile)
	CommentError   string // about the comment (required to reject, too long)
	Comment        string
}

// SubscriptionsView is every subscription to a subsidiary's APIs, filtered
// by state.
type SubscriptionsView struct {
	Subsidiary models.Subsidiary
	State      models.SubscriptionState // the filter; "" for all
	Rows       []models.SubscriptionRow
	Notice     string
	Refusal    RowRefusal
}

// SubscriptionStates are the filters of the subscriptions page, in order.
var SubscriptionStates = []models.SubscriptionState{
	models.SubscriptionPending, models.SubscriptionActive, models.SubscriptionSuspended,
	models.SubscriptionRejected, models.SubscriptionCancelled,
}

// SubscriptionStateLabel names a subscription state for people.
func SubscriptionStateLabel(s models.SubscriptionState) string {
	switch s {
	case models.SubscriptionPending:
		return "Pending"
	case models.SubscriptionActive:
		return "Active"
	case models.SubscriptionRejected:
		return "Rejected"
	case models.SubscriptionSuspended:
		return "Suspended"
	case models.SubscriptionCancelled:
		return "Cancelled"
	case "":
		return "All"
	}
	return string(s)
}

// SubscriptionOwner names who an application belongs to: its team, or its
// owner's email.
func SubscriptionOwner(r models.SubscriptionRow) string {
	if r.TeamName != "" {
		return "Team " + r.TeamName
	}
	return r.OwnerEmail
}

// lowerLabel is a state's label in lower case, inside a sentence.
func lowerLabel(s models.SubscriptionState) string {
	return strings.ToLower(SubscriptionStateLabel(s))
}
