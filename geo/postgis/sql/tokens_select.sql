-- Every user's tokens when $1 is ''.
SELECT /*TOKEN*/ FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE $1 = '' OR u.name = $1
ORDER BY t.id
