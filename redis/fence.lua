-- Prepended by the service to every fenced script (see LuaScripts): the write goes on only while ARGV[1]
-- holds the lease in KEYS[1] at epoch ARGV[2]; otherwise the script ends with the error FENCED.
local lease_owner = redis.call('HGET', KEYS[1], 'owner')
local lease_epoch = redis.call('HGET', KEYS[1], 'epoch')
if not lease_owner then
  return redis.error_reply('FENCED no lease is held')
end
if lease_owner ~= ARGV[1] or lease_epoch ~= ARGV[2] then
  return redis.error_reply('FENCED lease held by ' .. lease_owner .. ' at epoch ' .. lease_epoch)
end
