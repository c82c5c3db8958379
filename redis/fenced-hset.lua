-- A leader's write to shared state, fenced: it applies only while the writer still holds the lease at
-- the epoch it was elected with. A paused old leader, or a write Lettuce replays after a reconnect,
-- finds another owner, a newer epoch or no lease at all, and is refused.
-- KEYS[1] lease hash; KEYS[2] the hash written
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3..] field, value pairs
-- Returns the number of new fields, or the error FENCED.
local owner = redis.call('HGET', KEYS[1], 'owner')
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if owner ~= ARGV[1] or epoch ~= ARGV[2] then
  if not owner then
    return redis.error_reply('FENCED no lease is held')
  end
  return redis.error_reply('FENCED lease held by ' .. owner .. ' at epoch ' .. epoch)
end
return redis.call('HSET', KEYS[2], unpack(ARGV, 3))
