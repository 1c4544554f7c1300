-- Benchmark: lists, the Lua 5.4 peer of lists.wf.
local xs = {}
local i = 0
while i < 1000000 do xs[#xs+1] = i * 2; i = i + 1 end
print(#xs)
