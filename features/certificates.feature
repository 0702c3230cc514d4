@certificates
Feature: Check a signed certificate
  Every paper the kit issues is a sealed PDF that anyone can check: on the portal, from the
  PDF itself, or offline from its QR code. A specimen certificate lets anyone try it before a
  real journey exists. A bank clerk stands for every relying party.

  Scenario: A resident gets a specimen and a bank checks it
    Given Kenta has a specimen certificate from the portal
    When the clerk checks the certificate's PDF on the portal
    Then the clerk is told "この文書は有効です"
    And the clerk sees "発行者における状態" is "有効（取り消されていません）"
    And the clerk sees "発行者" is "GOV/DA"
    And the clerk sees that it was issued 本日発行
    And the clerk's page passes an accessibility scan

  Scenario: The QR code alone proves the certificate
    Given Kenta has a specimen certificate from the portal
    When the clerk pastes the certificate's QR text on the portal
    Then the clerk is told "この文書は有効です"
    And the clerk sees "確認に使ったもの" is "QRコード"

  Scenario: A changed certificate is caught
    Given Kenta has a specimen certificate from the portal
    And someone changes one byte of it
    When the clerk checks the certificate's PDF on the portal
    Then the clerk is told "この文書は発行後に改ざんされています"

  Scenario: A revoked certificate is reported as revoked, from the PDF and from the QR code
    Given Kenta has a specimen certificate from the portal
    When Kenta revokes it
    And the clerk checks the certificate's PDF on the portal
    Then the clerk is told "この文書は取り消されています"
    And the reason given is "発行者がこの文書を取り消しています。"
    When the clerk pastes the certificate's QR text on the portal
    Then the clerk is told "この文書は取り消されています"

  Scenario: A certificate older than the bank's 30-day rule
    Given a specimen certificate issued 40 days ago
    When the clerk checks the certificate's PDF, accepting only documents issued within the last 30 days
    Then the clerk is told "この文書は有効です"
    And the clerk is told it is too old for their rule
    And the clerk sees that it was issued 40日前に発行

  Scenario: A recent certificate meets the bank's 3-month rule
    Given a specimen certificate issued 12 days ago
    When the clerk checks the certificate's PDF, accepting only documents issued within the last 3 months
    Then the clerk is told it is recent enough for their rule

  Scenario: An expired specimen
    Given a specimen certificate issued 100 days ago
    When the clerk checks the certificate's PDF on the portal
    Then the clerk is told "この文書は有効期限が切れています"

  Scenario Outline: A file that is not a PDF is sent back to the form
    When the clerk uploads <file> named "<name>"
    Then the clerk is asked to choose another file: "<message>"
    And the clerk's page passes an accessibility scan

    Examples:
      | file          | name        | message                      |
      | a text file   | notes.txt   | 選択したファイルはPDFではありません |
      | an empty file | empty.pdf   | 選択したファイルは空です           |
      | a picture     | scan.png    | 選択したファイルはPDFではありません |

  Scenario: A broken PDF is refused with a clear reason
    When the clerk uploads a broken PDF named "broken.pdf"
    Then the clerk is told "窓口から発行された文書ではありません"
    And the reason given is "PDFが壊れているため、読み取れません。"

  Scenario: A relying party reads the verdict in English
    Given Kenta has a specimen certificate from the portal
    And the clerk reads the portal in English
    When the clerk checks the certificate's PDF on the portal
    Then the clerk is told "This document is valid"
    And the clerk sees "Status with the issuer" is "Current (not revoked)"
    And the clerk's page passes an accessibility scan
