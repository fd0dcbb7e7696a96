module example.com/drain-gateway

go 1.22
