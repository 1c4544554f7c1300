# Benchmark: strings, the Python peer of strings.wf.
parts = []
i = 0
while i < 300000:
    parts.append("item " + str(i) + ",")
    i = i + 1
print(len("".join(parts)))
