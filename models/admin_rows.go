package models

// SubscriptionRow is a subscription as the admins of its API's subsidiary
// see it in the approval queue and the subscription list: with the
// application, its owner, the requester, the API and the plan, so a
// decision can be taken from the row alone.
type SubscriptionRow struct {
	Subscription
	ApplicationName string
	AppID           string // the application's public app_id
	OwnerEmail      string // the owning user's email; "" for a team application
	TeamName        string // the owning team's name; "" for a personal application
	RequesterEmail  string // "" when the requester's account is gone
	DeciderEmail    string // the last approver's email; "" until decided
	APIName         string
	APISlug         string
	PlanName        string
	PlanAudience    Audience
}

// PlanEditorAPI is an API as the plan editor needs it: the API and the
// operationIds of its latest version, for per-operation limits.
type PlanEditorAPI struct {
	API          API
	OperationIDs []string // sorted, without blanks; empty when the API has no version yet
}
