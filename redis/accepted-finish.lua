-- Runs after fence.lua, which the service prepends: KEYS[1] is the lease, ARGV[1] and ARGV[2] the writer.
-- An accepted request is done (answered or failed): it leaves the stream and the claims, fenced.
-- KEYS[1] lease hash; KEYS[2] accepted stream; KEYS[3] claims hash
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3] entry id
-- Returns 1 if removed, 0 if it was already gone; or the error FENCED.
redis.call('HDEL', KEYS[3], ARGV[3])
return redis.call('XDEL', KEYS[2], ARGV[3])
