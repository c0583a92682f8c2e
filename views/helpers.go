package views

import (
	"net/url"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

func queryEscape(s string) string { return url.QueryEscape(s) }
