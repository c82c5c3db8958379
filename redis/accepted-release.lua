-- The node that accepted a request is done with it (answered, failed, or its client left): the entry
-- leaves the stream with its claim and assignment. Not fenced: the accepting node owns its entry whether it
-- leads or not, and removing it twice is harmless.
-- KEYS[1] accepted stream; KEYS[2] claims hash; KEYS[3] assignments hash
-- ARGV[1] entry id
-- Returns 1 if removed, 0 if it was already gone.
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('XDEL', KEYS[1], ARGV[1])
