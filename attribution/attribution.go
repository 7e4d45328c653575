// Package attribution names the sources of badiamap's data and their
// licences: what every response, file and tile description credits.
package attribution

import (
	"strings"

	"github.com/badiamap/badiamap/boundaries"
)

// Credit is one data source's attribution and licence.
type Credit struct {
	Name        string `json:"name"`
	Covers      string `json:"covers"`
	License     string `json:"license"`
	LicenseURL  string `json:"license_url,omitempty"`
	Attribution string `json:"attribution"`
	URL         string `json:"url,omitempty"`
}

// Default names the sources badiamap's data comes from.
var Default = []Credit{
	{
		Name:        "UCDP Georeferenced Event Dataset (GED)",
		Covers:      "incidents imported from UCDP (external ids ucdp:...)",
		License:     "CC BY 4.0",
		LicenseURL:  "https://creativecommons.org/licenses/by/4.0/",
		Attribution: "Uppsala Conflict Data Program (UCDP) GED; Sundberg and Melander (2013), Journal of Peace Research 50(4)",
		URL:         "https://ucdp.uu.se/downloads/",
	},
	{
		Name:        "OCHA Common Operational Datasets, Syria administrative boundaries (COD-AB)",
		Covers:      "governorate polygons and p-codes, and the Badia regions cut from them",
		License:     boundaries.License,
		LicenseURL:  "https://creativecommons.org/licenses/by/3.0/igo/",
		Attribution: boundaries.Attribution,
		URL:         "https://data.humdata.org/dataset/cod-ab-syr",
	},
	{
		Name:        "Syrian Observatory for Human Rights (SOHR)",
		Covers:      "the demo incidents (external ids sohr-demo:..., marked illustrative) reconstructed from SOHR's published running totals",
		License:     "cited as published; figures reproduced for research",
		Attribution: "Syrian Observatory for Human Rights reports",
		URL:         "https://www.syriahr.com/",
	},
}

// Licences is one line naming each source's licence.
func Licences(credits []Credit) string {
	parts := make([]string, len(credits))
	for i, c := range credits {
		parts[i] = c.Name + ": " + c.License
	}
	return strings.Join(parts, "; ")
}

// Attributions is one line of each source's attribution.
func Attributions(credits []Credit) string {
	parts := make([]string, len(credits))
	for i, c := range credits {
		parts[i] = c.Attribution
	}
	return strings.Join(parts, "; ")
}
