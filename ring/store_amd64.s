//go:build amd64 && !race

#include "textflag.h"

// func storeRelease(addr *uint64, v uint64)
TEXT ·storeRelease(SB), NOSPLIT, $0-16
	MOVQ addr+0(FP), AX
	MOVQ v+8(FP), BX
	MOVQ BX, (AX)
	RET

// func storeSeqs(base *uint64, stride, mask, lower, end uint64)
TEXT ·storeSeqs(SB), NOSPLIT, $0-40
	MOVQ base+0(FP), DI
	MOVQ stride+8(FP), SI
	MOVQ mask+16(FP), DX
	MOVQ lower+24(FP), CX
	MOVQ end+32(FP), R8
loop:
	CMPQ CX, R8
	JAE  done
	MOVQ CX, AX
	ANDQ DX, AX
	IMULQ SI, AX
	LEAQ 1(CX), BX
	MOVQ BX, (DI)(AX*1)
	INCQ CX
	JMP  loop
done:
	RET
