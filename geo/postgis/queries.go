package postgis

import (
	"embed"
	"regexp"
	"strconv"
	"strings"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// query returns the text of sql/name.sql with its /*COLUMNS*/ and /*FILTER*/
// markers replaced by the shared fragments. Only constant text is spliced:
// every value travels as a bound parameter.
func query(name string) string {
	s := fragment(name)
	s = strings.ReplaceAll(s, "/*VERSION_COLUMNS*/", fragment("version_columns"))
	s = strings.ReplaceAll(s, "/*COLUMNS*/", fragment("incident_columns"))
	s = strings.ReplaceAll(s, "/*STORED*/", fragment("incident_stored_columns"))
	s = strings.ReplaceAll(s, "/*FILTER*/", "("+fragment("filter")+")")
	return s
}

// fragment is the text of sql/name.sql, its $+K parameters numbered after
// the filter's.
func fragment(name string) string {
	b, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		panic("postgis: missing embedded query " + name) // a build defect, caught by every test
	}
	s := afterFilter.ReplaceAllStringFunc(strings.TrimSpace(string(b)), func(m string) string {
		k, _ := strconv.Atoi(m[2:])
		return "$" + strconv.Itoa(filterParams+k)
	})
	return s
}

var afterFilter = regexp.MustCompile(`\$\+[0-9]+`)

// The queries, composed once.
var (
	sqlScanIncidents       = query("scan_incidents")
	sqlPageIncidents       = query("page_incidents")
	sqlPageSettings        = query("page_settings")
	sqlIncidentByID        = query("incident_by_id")
	sqlCountIncidents      = query("count_incidents")
	sqlDataVersion         = query("data_version")
	sqlNotifyDataVersion   = query("notify_data_version")
	sqlRegionsSelect       = query("regions_select")
	sqlRegionsDelete       = query("regions_delete")
	sqlRegionInsert        = query("region_insert")
	sqlRegionPartsInsert   = query("region_parts_insert")
	sqlRejoin              = query("rejoin")
	sqlRejoinChanges       = query("rejoin_changes")
	sqlIncidentIndexes     = query("incident_indexes")
	sqlCountAllIncidents   = query("count_all_incidents")
	sqlBulkSettings        = query("bulk_settings")
	sqlImportUpdatesCreate = query("import_updates_create")
	sqlImportCopy          = query("import_copy")
	sqlImportExisting      = query("import_existing")
	sqlImportUpdate        = query("import_update")
)
