-- Runs after fence.lua, which the service prepends: KEYS[1] is the lease, ARGV[1] and ARGV[2] the writer.
-- The leader takes accepted requests to dispatch: entries of the accepted stream after ARGV[3] that no
-- node has claimed at the current epoch. Entries a deposed leader claimed but never finished are claimed
-- again by its successor (reconciliation), each once per epoch.
-- KEYS[1] lease hash; KEYS[2] accepted stream; KEYS[3] claims hash (entry id -> epoch)
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3] exclusive start id ('-' for the beginning); ARGV[4] count
-- Returns a flat list: id, payload, id, payload, ...; or the error FENCED.
local start = ARGV[3]
if start ~= '-' then
  start = '(' .. start
end
local want = tonumber(ARGV[4])
local out = {}
while #out < 2 * want do
  local entries = redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', want)
  if #entries == 0 then
    break
  end
  for _, e in ipairs(entries) do
    local id = e[1]
    start = '(' .. id
    local claimed = tonumber(redis.call('HGET', KEYS[3], id) or '0')
    if claimed < tonumber(ARGV[2]) and #out < 2 * want then
      redis.call('HSET', KEYS[3], id, ARGV[2])
      -- the payload is the value of the entry's single field
      table.insert(out, id)
      table.insert(out, e[2][2])
    end
  end
end
return out
