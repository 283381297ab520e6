// Command scfnorpc is functions/scf as bench proposes it: backupfn on
// Tencent Cloud SCF (Go1 runtime), serving the runtime's protocol (net/rpc's
// gob framing of Function.Ping and Function.Invoke on $_LAMBDA_SERVER_PORT)
// by hand instead of through scf-go-lib's cloudfunction.Start. That calls
// rpc.Register, which finds methods by reflection (reflect.Type.Method):
// the linker then keeps every exported method of every reachable type, and
// the binary is twice the size of the other functions'.
//
// `make bench` builds it as the functions are built and measures its size
// and cold start beside functions/scf's. With it overlaid on
// functions/scf/main.go, the function tests pass unchanged:
//
//	echo '{"Replace":{"'$PWD/functions/scf/main.go'":"'$PWD/bench/scfnorpc/main.go'"}}' > /tmp/scf.json
//	GOFLAGS=-overlay=/tmp/scf.json go test ./functions/functest/
package main

import (
	"bufio"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"reflect"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"github.com/backupfn/backupfn/handler"
)

type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

func main() {
	h, err := handler.New(context.Background(), handler.Options{Platform: "scf"})
	invoke := func(ctx context.Context, payload []byte) ([]byte, error) {
		if err != nil {
			return nil, err // a bad config: every invocation says why
		}
		return h.Invoke(ctx, payload)
	}
	lis, lerr := net.Listen("tcp", "0.0.0.0:"+os.Getenv("_LAMBDA_SERVER_PORT"))
	if lerr != nil {
		log.Fatal(lerr)
	}
	for {
		conn, err := lis.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(conn, invoke)
	}
}

// header is net/rpc's Request and Response header (gob matches fields by name).
type header struct {
	ServiceMethod string
	Seq           uint64
	Error         string
}

// serve answers one connection's calls in order, as net/rpc's gob codec frames them.
func serve(conn net.Conn, invoke invokeFunc) {
	defer conn.Close()
	w := bufio.NewWriter(conn)
	dec, enc := gob.NewDecoder(bufio.NewReader(conn)), gob.NewEncoder(w)
	for {
		var h header
		if dec.Decode(&h) != nil {
			return
		}
		var reply any = struct{}{}
		switch h.ServiceMethod {
		case "Function.Invoke":
			var req messages.InvokeRequest
			if err := dec.Decode(&req); err != nil {
				h.Error = err.Error()
				break
			}
			reply = call(&req, invoke)
		case "Function.Ping":
			if err := dec.Decode(&messages.PingRequest{}); err != nil {
				h.Error = err.Error()
				break
			}
			reply = &messages.PingResponse{}
		default:
			_ = dec.DecodeValue(reflect.Value{}) // discard the arguments
			h.Error = "rpc: can't find method " + h.ServiceMethod
		}
		if enc.Encode(&h) != nil || enc.Encode(reply) != nil || w.Flush() != nil {
			return
		}
	}
}

// call runs one invocation as scf-go-lib's Function.Invoke does.
func call(req *messages.InvokeRequest, invoke invokeFunc) (resp *messages.InvokeResponse) {
	defer func() {
		if v := recover(); v != nil {
			resp = &messages.InvokeResponse{Error: &messages.InvokeResponse_Error{Message: fmt.Sprint(v), Type: "panic", ShouldExit: true}}
		}
	}()
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(req.Deadline.Seconds, req.Deadline.Nanos))
	defer cancel()
	lc := &functioncontext.FunctionContext{RequestID: req.RequestId, InvokedFunctionUnique: req.InvokedFunctionUnique,
		Namespace: req.Namespace, FunctionName: req.FunctionName, FunctionVersion: req.FunctionVersion,
		MemoryLimitInMb: req.MemoryLimitInMb, TimeLimitInMs: req.TimeLimitInMs, TencentcloudRegion: req.TencentcloudRegion,
		TencentcloudAppID: req.TencentcloudAppID, TencentcloudUin: req.TencentcloudUin, FunctionTrace: req.FunctionTrace}
	if len(req.ClientContext) > 0 {
		if err := json.Unmarshal(req.ClientContext, &lc.ClientContext); err != nil {
			return &messages.InvokeResponse{Error: &messages.InvokeResponse_Error{Message: err.Error(), Type: errorName(err)}}
		}
	}
	if req.Environment != "" {
		if err := json.Unmarshal([]byte(req.Environment), &lc.Environment); err != nil {
			return &messages.InvokeResponse{Error: &messages.InvokeResponse_Error{Message: err.Error(), Type: errorName(err)}}
		}
		for k, v := range lc.Environment {
			os.Setenv(k, v)
		}
	}
	out, err := invoke(functioncontext.NewContext(ctx, lc), req.Payload)
	if err != nil {
		return &messages.InvokeResponse{Error: &messages.InvokeResponse_Error{Message: err.Error(), Type: errorName(err)}}
	}
	return &messages.InvokeResponse{Payload: out}
}

// errorName is the error's type name, as scf-go-lib reports it.
func errorName(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
