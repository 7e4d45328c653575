DELETE FROM report_claims WHERE report_id = $1
