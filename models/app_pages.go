package models

// AppSummary is an application as its developer's "My applications" page
// lists it: with its team's name (empty for a personal application), the
// number of its subscriptions that are not cancelled, and the number of its
// live keys.
type AppSummary struct {
	Application
	TeamName      string
	Subscriptions int
	LiveKeys      int
}

// AppSubscription is a subscription as its application's page shows it:
// with the names of its API, the API's subsidiary and its plan.
type AppSubscription struct {
	Subscription
	APIName        string
	APISlug        string
	SubsidiarySlug string
	SubsidiaryName string
	PlanName       string
}

// AppPage is everything an application's page shows: the application, its
// team's name (empty for a personal application), its keys newest first
// (without digests) and its subscriptions by API name.
type AppPage struct {
	Application   Application
	TeamName      string
	Keys          []Credential
	Subscriptions []AppSubscription
}
