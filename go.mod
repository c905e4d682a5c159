module github.com/clipad/clipad

go 1.26.8
