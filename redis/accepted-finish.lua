-- An accepted request is done (answered or failed): it leaves the stream and the claims, fenced.
-- KEYS[1] lease hash; KEYS[2] accepted stream; KEYS[3] claims hash
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3] entry id
-- Returns 1 if removed, 0 if it was already gone; or the error FENCED.
local owner = redis.call('HGET', KEYS[1], 'owner')
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not owner then
  return redis.error_reply('FENCED no lease is held')
end
if owner ~= ARGV[1] or epoch ~= ARGV[2] then
  return redis.error_reply('FENCED lease held by ' .. owner .. ' at epoch ' .. epoch)
end
redis.call('HDEL', KEYS[3], ARGV[3])
return redis.call('XDEL', KEYS[2], ARGV[3])
