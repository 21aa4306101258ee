module rampart.dev/go

go 1.19
