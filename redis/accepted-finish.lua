-- Runs after fence.lua, which the service prepends: KEYS[1] is the lease, ARGV[1] and ARGV[2] the writer.
-- The leader drops an accepted request (its accepting node died with the client's connection): it leaves
-- the stream, the claims and the assignments, fenced.
-- KEYS[1] lease hash; KEYS[2] accepted stream; KEYS[3] claims hash; KEYS[4] assignments hash
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3] entry id
-- Returns 1 if removed, 0 if it was already gone; or the error FENCED.
redis.call('HDEL', KEYS[3], ARGV[3])
redis.call('HDEL', KEYS[4], ARGV[3])
return redis.call('XDEL', KEYS[2], ARGV[3])
