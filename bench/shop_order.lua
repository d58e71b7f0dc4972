-- wrk script for bench/shop.sh: POST /api/v1/shop/orders with the signed
-- cart cookie made before the run (a cart is the browser's: the same one
-- orders again and again, each order a new customer and checkout session).
local cookie = os.getenv("BENCH_CART")
local body = '{"name":"Bench Buyer","email":"buyer@example.org",' ..
  '"postal_address":"1 Bench Street, Halifax","phone":"+1 902 555 0100"}'

request = function()
  return wrk.format("POST", "/api/v1/shop/orders",
    {["Cookie"] = cookie, ["Content-Type"] = "application/json"}, body)
end
