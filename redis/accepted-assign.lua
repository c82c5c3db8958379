-- Runs after fence.lua, which the service prepends: KEYS[1] is the lease, ARGV[1] and ARGV[2] the writer.
-- The leader assigns a buffered request to DP units: the assignment is stored with the entry (for a node
-- that misses the notice) and published to the node that accepted it. An entry already released (its
-- client left) gets no assignment.
-- KEYS[1] lease hash; KEYS[2] accepted stream; KEYS[3] assignments hash
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3] entry id; ARGV[4] channel of the accepting node; ARGV[5] assignment
-- Returns 1 if assigned, 0 if the entry is gone; or the error FENCED.
if #redis.call('XRANGE', KEYS[2], ARGV[3], ARGV[3]) == 0 then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
