/*COLUMNS*/, version_action, version_author, version_at, version_comment
