local o = {x = 0}
for i = 1, 10000000 do o.x = o.x + 1 end
print(o.x)
