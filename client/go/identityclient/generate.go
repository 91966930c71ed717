package identityclient

// Regenerates ../gen/identity/v1 from proto/ (run `go generate ./...` in
// client/go). The two protoc plugins are built from the versions pinned by the
// `tool` lines of go.mod, so the generated code always matches go.sum; protoc
// itself is Debian's (protobuf-compiler), the one the C++ build uses.
//go:generate go build -o ../bin/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc
//go:generate protoc --proto_path=../../../proto --plugin=protoc-gen-go=../bin/protoc-gen-go --plugin=protoc-gen-go-grpc=../bin/protoc-gen-go-grpc --go_out=.. --go_opt=module=identityd/client/go --go-grpc_out=.. --go-grpc_opt=module=identityd/client/go identity/v1/identity.proto
