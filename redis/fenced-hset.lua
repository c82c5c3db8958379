-- Runs after fence.lua, which the service prepends: KEYS[1] is the lease, ARGV[1] and ARGV[2] the writer.
-- A leader's write to shared state, fenced: it applies only while the writer still holds the lease at
-- the epoch it was elected with. A paused old leader, or a write Lettuce replays after a reconnect,
-- finds another owner, a newer epoch or no lease at all, and is refused.
-- KEYS[1] lease hash; KEYS[2] the hash written
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3..] field, value pairs
-- Returns the number of new fields, or the error FENCED.
return redis.call('HSET', KEYS[2], unpack(ARGV, 3))
