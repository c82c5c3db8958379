-- Acquires or renews the leader lease.
-- KEYS[1] lease hash {owner, epoch}; KEYS[2] epoch counter (never expires, so epochs only grow)
-- ARGV[1] node id; ARGV[2] lease TTL in milliseconds
-- Returns {1 if ARGV[1] holds the lease now else 0, the lease's epoch, its owner, milliseconds until it
-- expires (so a standby can try again the moment it does)}.
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('HGET', KEYS[1], 'epoch')), owner, tonumber(ARGV[2])}
end
if not owner then
  local epoch = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'epoch', epoch)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, epoch, ARGV[1], tonumber(ARGV[2])}
end
return {0, tonumber(redis.call('HGET', KEYS[1], 'epoch')), owner, redis.call('PTTL', KEYS[1])}
