local function make_counter(count)
  return function()
    count = count + 1
    return count
  end
end
local counter = make_counter(0)
local r
for i = 1, 10000000 do r = counter() end
print(r)
