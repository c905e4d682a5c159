package tokenizer

import "sync"

// byteEncoder is CLIP's bytes_to_unicode: printable Latin-1 bytes ('!'..'~',
// '¡'..'¬', '®'..'ÿ') map to themselves, the other 68 bytes, in increasing
// order, to U+0100, U+0101, ... so that no symbol is whitespace or a control
// character.
var byteEncoder = sync.OnceValue(func() [256]rune {
	var enc [256]rune
	n := 0
	for b := 0; b < 256; b++ {
		switch {
		case b >= '!' && b <= '~', b >= 0xA1 && b <= 0xAC, b >= 0xAE && b <= 0xFF:
			enc[b] = rune(b)
		default:
			enc[b] = rune(256 + n)
			n++
		}
	}
	return enc
})

// byteDecoder is the inverse of byteEncoder.
var byteDecoder = sync.OnceValue(func() map[rune]byte {
	dec := make(map[rune]byte, 256)
	for b, r := range byteEncoder() {
		dec[r] = byte(b)
	}
	return dec
})

// byteOrder is the key order of Python's bytes_to_unicode() dict, which
// fixes the ids of the byte symbols: the printable bytes first, in increasing
// order, then the remapped ones. Id i is the symbol of byte byteOrder()[i].
var byteOrder = sync.OnceValue(func() [256]byte {
	var order [256]byte
	enc := byteEncoder()
	n := 0
	for pass := 0; pass < 2; pass++ {
		for b := 0; b < 256; b++ {
			if (enc[b] == rune(b)) == (pass == 0) {
				order[n] = byte(b)
				n++
			}
		}
	}
	return order
})
