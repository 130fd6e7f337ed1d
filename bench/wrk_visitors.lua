-- Each request comes from another client address (as nginx reports it in X-Forwarded-For),
-- so that per-address limits count visitors, not the one machine running the benchmark.
math.randomseed(os.time())

request = function()
  wrk.headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format(nil)
end
