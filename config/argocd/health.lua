-- Argo CD health check for finspace.kxops.io/KxChangeset.
-- Reads the kstatus conditions the operator sets: Stalled=True is Degraded (the changeset FAILED,
-- or the operator cannot go on without a fix), Ready=True is Healthy (COMPLETED), anything else
-- is Progressing, with the message of the condition that explains why.
local hs = {}

local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function message(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end

if obj.status == nil or obj.status.conditions == nil or #obj.status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end

-- Conditions computed from an older spec say nothing about the current one.
local generation = obj.metadata and obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local conditions = obj.status.conditions
local ready = condition(conditions, "Ready")
local reconciling = condition(conditions, "Reconciling")
local stalled = condition(conditions, "Stalled")

if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = message(stalled, stalled.reason or "Stalled")
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message(ready, "Ready")
  return hs
end

hs.status = "Progressing"
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = message(reconciling, message(ready, "Waiting for the operator"))
else
  hs.message = message(ready, "Waiting for the operator")
end
return hs
