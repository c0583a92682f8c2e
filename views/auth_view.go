package views

// SignInView is the sign-in page's view model.
type SignInView struct {
	ReturnTo string // local path to return to after signing in, passed on by every way to sign in
	Email    string // echoed into the form after a failed attempt; never the password
	Error    string // user-safe message of a failed attempt, or ""
	// Reauth: a signed-in user confirms who they are before a secret is
	// shown. Email is theirs and cannot be changed.
	Reauth bool
	// LocalForm shows the email and password form (false in Reauth for an
	// account that signs in only through an identity provider).
	LocalForm bool
	Providers []SignInProvider
	// DemoAccounts are the ready-made accounts of a demo run, with their
	// password. Empty outside demo mode.
	DemoAccounts []DemoAccount
}

// SignInProvider is an identity provider offered on the sign-in page.
type SignInProvider struct {
	Name        string // configured name, the URL segment of /auth/{provider}
	DisplayName string // "Meridian staff", "GitHub"
	Staff       bool   // a staff (corporate) provider rather than one for external developers
	URL         string // where the button goes: /auth/{provider}?return_to=…
}

// DemoAccount is a ready-made account of a demo run.
type DemoAccount struct {
	Persona  string // "Admin of Meridian Bank"
	Email    string
	Password string
}
