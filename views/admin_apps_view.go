package views

import (
	"net/url"
	"strconv"

	"github.com/portico/portico/models"
)

// AdminAppsView is the platform admin's application list.
type AdminAppsView struct {
	Query      string
	Apps       []AdminAppRow
	Total      int
	Pagination Pagination
	Notice     string
}

// AdminAppRow is one application of the list, with its owner.
type AdminAppRow struct {
	models.Application
	OwnerEmail string // "" for team applications
	TeamName   string // "" for personal applications
}

// AdminAppsURL is the application list with a search and page number.
func AdminAppsURL(q string, page int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin/applications"
	}
	return "/admin/applications?" + v.Encode()
}

// AdminAppActionURL is where the suspend or resume form of an application
// posts.
func AdminAppActionURL(id int64, action string) string {
	return "/admin/applications/" + strconv.FormatInt(id, 10) + "/" + action
}
