package main

// Generates gen/identity/v1 from proto/ (the CMake build runs `go generate`
// before `go build`). The protoc plugins are built from the versions go.mod's
// `tool` lines pin; protoc is Debian's, the one the C++ build uses. The M
// options place the package inside this module (the proto's go_package names
// the client module's).
//go:generate go build -o bin/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc
//go:generate protoc --proto_path=../../../proto --plugin=protoc-gen-go=bin/protoc-gen-go --plugin=protoc-gen-go-grpc=bin/protoc-gen-go-grpc --go_out=. --go_opt=module=identityd/bench/peers/go --go_opt=Midentity/v1/identity.proto=identityd/bench/peers/go/gen/identity/v1;identityv1 --go-grpc_out=. --go-grpc_opt=module=identityd/bench/peers/go --go-grpc_opt=Midentity/v1/identity.proto=identityd/bench/peers/go/gen/identity/v1;identityv1 identity/v1/identity.proto
