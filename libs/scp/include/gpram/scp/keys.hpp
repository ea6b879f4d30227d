// Key material helpers shared by SCP02 and SCP03: key check values, PUT KEY key-data blocks
// (GP CS v2.3 §11.8.2.3, Amd B Table 3-11 for PSK-TLS keys) and static key diversification
// (EMV CPS and VISA2 as used for SCP02 cards; vectors from GlobalPlatformPro TestPlaintextKeys).
#pragma once

#include <cstdint>
#include <functional>

#include "gpram/scp/scp.hpp"

namespace gpram::scp {

/// KCV of a key for its PUT KEY type: DES = 3DES-ECB(00*8)[0:3], AES = AES-ECB(01*16)[0:3],
/// PSK-TLS = SHA-1(key)[0:3].
[[nodiscard]] Result<Bytes> key_check_value(KeyType type, ByteView key);

/// Block encryption of a key for PUT KEY: input already a whole number of blocks.
using KeyEncryptor = std::function<Result<Bytes>(ByteView padded_key)>;

/// Builds the key-data block of one key for PUT KEY:
///   DES (80): `80 <Lenc> <enc> 03 KCV` (16/24-byte key; no padding needed)
///   AES (88): `88 <Lenc+1> <Lkey> <enc> 03 KCV` (GlobalPlatformPro's form, accepted by SCP03
///             cards); a 24-byte key is padded with random bytes to 32
///   PSK (85): `85 <Ltot BER> <Lkey BER> <enc> 03 KCV` with Ltot = size(Lkey field) + size(enc),
///             the key padded with random bytes to a whole block (Amd B Table 3-11) and
///             KCV = SHA-1(key)[0:3]
/// `block` is the cipher block size of `encrypt` (8 for 3DES, 16 for AES).
[[nodiscard]] Result<Bytes> build_key_block(KeyType type, ByteView key, size_t block,
                                            const KeyEncryptor& encrypt, Random& random);

/// Parsed PUT KEY key-data block (the inverse of build_key_block, for the card side).
struct KeyBlock {
  KeyType type = KeyType::aes;
  size_t key_length = 0;  // plain key length
  Bytes encrypted;        // encrypted key (padded)
  Bytes kcv;              // may be empty when the block carries no KCV
  size_t size = 0;        // bytes consumed
};
[[nodiscard]] Result<KeyBlock> parse_key_block(ByteView block);

/// Decrypts and checks a parsed block with `decrypt` (the inverse of KeyEncryptor).
[[nodiscard]] Result<Bytes> open_key_block(const KeyBlock& block, const KeyEncryptor& decrypt);

enum class Diversification { none, emv, visa2 };

/// Diversifies a 16-byte 3DES master key with the 10-byte key diversification data (KDD) of the
/// INITIALIZE UPDATE response. EMV CPS: KDD[4..10) || F0 || n and KDD[4..10) || 0F || n;
/// VISA2: KDD[0..2) || KDD[4..8) || F0 || n and ... || 0F || n; each block 3DES-ECB encrypted
/// with the master key; n = 1 ENC, 2 MAC, 3 DEK.
[[nodiscard]] Result<StaticKeys> diversify_keys(Diversification method, const StaticKeys& master,
                                                ByteView kdd);

}  // namespace gpram::scp
