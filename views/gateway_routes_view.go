package views

import "github.com/portico/portico/models"

// GatewayRoutesView is the gateway routes page of a subsidiary.
type GatewayRoutesView struct {
	Subsidiary models.Subsidiary
	Routes     []models.GatewayRoute
	Notice     string
	// Failed is the version whose form was refused, with what was typed
	// and why.
	Failed   int64
	Form     models.VersionGateway
	Problems []string
}

// GatewayRoutesURL is the gateway routes page of a subsidiary.
func GatewayRoutesURL(subsidiary string) string {
	return "/admin/subsidiaries/" + subsidiary + "/gateway"
}

// GatewayRouteURL is where a version's gateway settings are posted.
func GatewayRouteURL(subsidiary string, versionID int64) string {
	return GatewayRoutesURL(subsidiary) + "/" + int64s(versionID)
}

// routeForm is what a row's form shows: what was typed when it was
// refused, else the stored settings.
func (v GatewayRoutesView) routeForm(r models.GatewayRoute) models.VersionGateway {
	if v.Failed == r.VersionID {
		return v.Form
	}
	return r.Settings
}
