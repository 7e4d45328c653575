SELECT /*TOKEN*/, /*USER*/ FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1
