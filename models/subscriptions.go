package models

import "time"

// SubscriptionState is where a subscription is in its lifecycle.
type SubscriptionState string

// The subscription states.
const (
	SubscriptionPending   SubscriptionState = "pending"
	SubscriptionActive    SubscriptionState = "active"
	SubscriptionRejected  SubscriptionState = "rejected"
	SubscriptionSuspended SubscriptionState = "suspended"
	SubscriptionCancelled SubscriptionState = "cancelled"
)

// SubscriptionEvent is something that happens to a subscription.
type SubscriptionEvent string

// The subscription events. Request and AutoApprove start a subscription or
// change its plan (the new plan's approval mode picks which one).
const (
	EventRequest     SubscriptionEvent = "request"      // requester; the plan needs approval
	EventAutoApprove SubscriptionEvent = "auto_approve" // requester; automatic plan or self-provisioning
	EventApprove     SubscriptionEvent = "approve"      // approver
	EventReject      SubscriptionEvent = "reject"       // approver
	EventSuspend     SubscriptionEvent = "suspend"      // approver
	EventResume      SubscriptionEvent = "resume"       // approver
	EventCancel      SubscriptionEvent = "cancel"       // requester or approver
)

// SubscriptionParty is the side of a subscription someone acts on.
type SubscriptionParty string

// The parties: the application's owner (or a member of its team), and an
// admin of the subsidiary that owns the API.
const (
	PartyRequester SubscriptionParty = "requester"
	PartyApprover  SubscriptionParty = "approver"
)

// subscriptionNone is the state before a subscription exists.
const subscriptionNone SubscriptionState = ""

// subscriptionTransitions is the whole lifecycle: from state, on event, to
// state. A plan change re-requests from any state but suspended, so a
// suspension cannot be escaped by switching plans.
var subscriptionTransitions = map[SubscriptionState]map[SubscriptionEvent]SubscriptionState{
	subscriptionNone:      {EventRequest: SubscriptionPending, EventAutoApprove: SubscriptionActive},
	SubscriptionPending:   {EventRequest: SubscriptionPending, EventAutoApprove: SubscriptionActive, EventApprove: SubscriptionActive, EventReject: SubscriptionRejected, EventCancel: SubscriptionCancelled},
	SubscriptionActive:    {EventRequest: SubscriptionPending, EventAutoApprove: SubscriptionActive, EventSuspend: SubscriptionSuspended, EventCancel: SubscriptionCancelled},
	SubscriptionSuspended: {EventResume: SubscriptionActive, EventCancel: SubscriptionCancelled},
	SubscriptionRejected:  {EventRequest: SubscriptionPending, EventAutoApprove: SubscriptionActive},
	SubscriptionCancelled: {EventRequest: SubscriptionPending, EventAutoApprove: SubscriptionActive},
}

// subscriptionParties says who may cause each event.
var subscriptionParties = map[SubscriptionEvent][]SubscriptionParty{
	EventRequest:     {PartyRequester},
	EventAutoApprove: {PartyRequester},
	EventApprove:     {PartyApprover},
	EventReject:      {PartyApprover},
	EventSuspend:     {PartyApprover},
	EventResume:      {PartyApprover},
	EventCancel:      {PartyRequester, PartyApprover},
}

// NextSubscriptionState returns the state a subscription in current moves
// to on event ("" for current means no subscription yet). An event that
// does not apply in current is a Conflict.
func NextSubscriptionState(current SubscriptionState, event SubscriptionEvent) (SubscriptionState, error) {
	next, ok := subscriptionTransitions[current][event]
	if !ok {
		if current == subscriptionNone {
			return "", Errorf(Conflict, "There is no subscription to %s.", event)
		}
		return "", Errorf(Conflict, "A subscription that is %s cannot be %s.", current, eventPastTense(event))
	}
	return next, nil
}

// SubscriptionEventAllowed reports whether party may cause event.
func SubscriptionEventAllowed(party SubscriptionParty, event SubscriptionEvent) bool {
	for _, p := range subscriptionParties[event] {
		if p == party {
			return true
		}
	}
	return false
}

// SubscriptionTransition is NextSubscriptionState for a party: Forbidden
// when the party may not cause the event, else as NextSubscriptionState.
func SubscriptionTransition(party SubscriptionParty, current SubscriptionState, event SubscriptionEvent) (SubscriptionState, error) {
	if !SubscriptionEventAllowed(party, event) {
		return "", Errorf(Forbidden, "You may not %s this subscription.", event)
	}
	return NextSubscriptionState(current, event)
}

// SubscribeEvent is the event that subscribing (or changing plan) to a plan
// causes: automatic plans, and internal plans for group staff
// (self-provisioning), are approved at once; the rest wait for an approver.
// Partner plans always wait: an approver's decision is how a consumer team
// is admitted as a partner, whatever the plan's approval mode says.
func SubscribeEvent(plan Plan, requesterKind UserKind) SubscriptionEvent {
	if plan.Audience == AudiencePartner {
		return EventRequest
	}
	if plan.ApprovalMode == ApprovalAutomatic || (plan.Audience == AudienceInternal && requesterKind == UserStaff) {
		return EventAutoApprove
	}
	return EventRequest
}

func eventPastTense(e SubscriptionEvent) string {
	switch e {
	case EventRequest:
		return "requested"
	case EventAutoApprove, EventApprove:
		return "approved"
	case EventReject:
		return "rejected"
	case EventSuspend:
		return "suspended"
	case EventResume:
		return "resumed"
	case EventCancel:
		return "cancelled"
	}
	return string(e)
}

// Subscription is an application's subscription to one API through one of
// its plans. An application has at most one subscription per API.
type Subscription struct {
	ID              int64 `gorm:"primaryKey"`
	ApplicationID   int64
	APIID           int64 `gorm:"column:api_id"`
	PlanID          int64
	State           SubscriptionState
	RequestedBy     int64  // user ID
	DecidedBy       *int64 // user ID of the approver, nil until decided
	DecisionComment string
	DecidedAt       *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}
