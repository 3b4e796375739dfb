local n = 10000000
local sieve = {}
for i = 2, n do sieve[i] = true end
local count = 0
for i = 2, n do
  if sieve[i] then
    count = count + 1
    for j = i * i, n, i do sieve[j] = false end
  end
end
print(count)
