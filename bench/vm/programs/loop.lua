-- Benchmark: loop, the Lua 5.4 peer of loop.wf.
local s = 0
local i = 0
while i < 10000000 do s = s + i % 7; i = i + 1 end
print(s)
