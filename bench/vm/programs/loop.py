# Benchmark: loop, the Python peer of loop.wf.
s = 0
i = 0
while i < 10000000:
    s = s + i % 7
    i = i + 1
print(s)
