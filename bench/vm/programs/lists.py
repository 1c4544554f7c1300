# Benchmark: lists, the Python peer of lists.wf.
xs = []
i = 0
while i < 1000000:
    xs.append(i * 2)
    i = i + 1
print(len(xs))
