module github.com/clipad/clipad

go 1.26.8

require (
	golang.org/x/text v0.44.0
	google.golang.org/protobuf v1.36.12
)

require github.com/syumai/workers v0.32.0 // indirect
