SELECT /*USER*/ FROM users u WHERE u.name = $1
