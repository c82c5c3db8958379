-- Gives the lease up at once (a clean shutdown), so the standby need not wait for the TTL.
-- KEYS[1] lease hash; ARGV[1] node id; ARGV[2] epoch. Returns 1 if released, 0 if not held.
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'epoch') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
